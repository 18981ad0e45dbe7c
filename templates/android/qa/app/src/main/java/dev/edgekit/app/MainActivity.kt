package dev.edgekit.app

import android.os.Bundle
import android.view.View
import android.widget.AdapterView
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.EditText
import android.widget.Spinner
import android.widget.TextView
import androidx.activity.enableEdgeToEdge
import androidx.appcompat.app.AppCompatActivity
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.ViewModelProvider
import androidx.lifecycle.lifecycleScope
import androidx.lifecycle.repeatOnLifecycle
import kotlinx.coroutines.launch

/** Type a passage and a question; the model marks the answer in the passage. */
class MainActivity : AppCompatActivity() {
    private lateinit var viewModel: QaViewModel
    private lateinit var status: TextView
    private lateinit var answer: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        setContentView(R.layout.activity_main)
        viewModel = ViewModelProvider(this)[QaViewModel::class.java]
        findViewById<View>(R.id.root).padForSystemBars(keyboard = true)
        status = findViewById(R.id.status)
        answer = findViewById(R.id.answer)
        val passage = findViewById<EditText>(R.id.passage)
        val question = findViewById<EditText>(R.id.question)
        setUpAcceleratorChoice(findViewById(R.id.accelerator))
        findViewById<Button>(R.id.ask).setOnClickListener {
            viewModel.ask(question.text.toString(), passage.text.toString())
        }
        lifecycleScope.launch {
            repeatOnLifecycle(Lifecycle.State.STARTED) {
                launch { viewModel.model.collect { status.text = statusText(it) } }
                viewModel.reply.collect { reply -> if (reply != null) show(reply) }
            }
        }
    }

    private fun setUpAcceleratorChoice(spinner: Spinner) {
        spinner.adapter = ArrayAdapter.createFromResource(this, R.array.accelerators,
            android.R.layout.simple_spinner_dropdown_item)
        spinner.onItemSelectedListener = object : AdapterView.OnItemSelectedListener {
            override fun onItemSelected(parent: AdapterView<*>?, view: View?, position: Int, id: Long) {
                viewModel.useBackend(Backend.entries[position])
            }

            override fun onNothingSelected(parent: AdapterView<*>?) = Unit
        }
    }

    private fun show(reply: Reply) {
        answer.text = reply.text
        status.text = "${ModelContract.MODEL_NAME} on ${reply.backend}: ${reply.millis} ms"
    }
}
