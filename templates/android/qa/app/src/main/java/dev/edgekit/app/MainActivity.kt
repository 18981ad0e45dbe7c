package dev.edgekit.app

import android.os.Bundle
import android.os.SystemClock
import android.view.View
import android.widget.AdapterView
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.EditText
import android.widget.Spinner
import android.widget.TextView
import androidx.appcompat.app.AppCompatActivity
import androidx.lifecycle.lifecycleScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.util.concurrent.Executors

/** Type a passage and a question; the model marks the answer in the passage. */
class MainActivity : AppCompatActivity() {
    // The model is created, used and closed on this one thread only.
    private val modelThread = Executors.newSingleThreadExecutor().asCoroutineDispatcher()
    private var pipeline: QaPipeline? = null
    private lateinit var status: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        status = findViewById(R.id.status)
        val passage = findViewById<EditText>(R.id.passage)
        val question = findViewById<EditText>(R.id.question)
        val answer = findViewById<TextView>(R.id.answer)
        setUpAcceleratorChoice(findViewById(R.id.accelerator))
        findViewById<Button>(R.id.ask).setOnClickListener {
            val passageText = passage.text.toString()
            val questionText = question.text.toString()
            lifecycleScope.launch {
                val started = SystemClock.elapsedRealtime()
                val result = withContext(modelThread) { pipeline?.answer(questionText, passageText) } ?: return@launch
                answer.text = result.text
                status.text = "${ModelContract.MODEL_NAME} on ${pipeline?.backend}: ${SystemClock.elapsedRealtime() - started} ms"
            }
        }
    }

    override fun onDestroy() {
        super.onDestroy()
        lifecycleScope.launch(Dispatchers.Default) { withContext(modelThread) { pipeline?.close() } }
    }

    private fun setUpAcceleratorChoice(spinner: Spinner) {
        spinner.adapter = ArrayAdapter.createFromResource(this, R.array.accelerators,
            android.R.layout.simple_spinner_dropdown_item)
        spinner.onItemSelectedListener = object : AdapterView.OnItemSelectedListener {
            override fun onItemSelected(parent: AdapterView<*>?, view: View?, position: Int, id: Long) {
                useBackend(Backend.entries[position])
            }

            override fun onNothingSelected(parent: AdapterView<*>?) = Unit
        }
    }

    private fun useBackend(requested: Backend) {
        lifecycleScope.launch {
            val runner = withContext(modelThread) {
                pipeline?.close()
                val opened = ModelRunner.open(this@MainActivity, requested)
                pipeline = QaPipeline(opened, TextModel.tokenizer(this@MainActivity))
                opened
            }
            val note = runner.fallbackReason?.let { " ($it)" } ?: ""
            status.text = "${ModelContract.MODEL_NAME} on ${runner.backend}$note"
        }
    }
}
