package dev.edgekit.app

import android.content.ClipboardManager
import android.content.Intent
import android.graphics.Typeface
import android.os.Bundle
import android.text.SpannableStringBuilder
import android.text.Spanned
import android.text.style.BackgroundColorSpan
import android.text.style.StyleSpan
import android.view.View
import android.widget.AdapterView
import android.widget.ArrayAdapter
import android.widget.Button
import android.widget.ScrollView
import android.widget.Spinner
import android.widget.TextView
import android.widget.Toast
import androidx.activity.enableEdgeToEdge
import androidx.appcompat.app.AppCompatActivity
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.ViewModelProvider
import androidx.lifecycle.lifecycleScope
import androidx.lifecycle.repeatOnLifecycle
import kotlinx.coroutines.launch

/**
 * A transcript with its key sections marked along a custom scrollbar, labelled by keyword.
 *
 * The text is the bundled sample until the user pastes their own (the Paste button) or shares text
 * to the app from another one (ACTION_SEND text/plain, declared in AndroidManifest.xml).
 */
class MainActivity : AppCompatActivity() {
    private lateinit var viewModel: ScrollViewModel
    private lateinit var scroll: ScrollView
    private lateinit var transcriptView: TextView
    private lateinit var scrollbar: KeywordScrollbar
    private lateinit var status: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        setContentView(R.layout.activity_main)
        viewModel = ViewModelProvider(this)[ScrollViewModel::class.java]
        findViewById<View>(R.id.root).padForSystemBars()
        scroll = findViewById(R.id.scroll)
        transcriptView = findViewById(R.id.transcript)
        scrollbar = findViewById(R.id.scrollbar)
        status = findViewById(R.id.status)
        scrollbar.onSeek = { fraction -> scroll.scrollTo(0, (fraction * transcriptView.height).toInt()) }
        scroll.viewTreeObserver.addOnScrollChangedListener { updateViewport() }
        findViewById<Button>(R.id.paste).setOnClickListener { pasteFromClipboard() }
        setUpAcceleratorChoice(findViewById(R.id.accelerator))
        // After rotation the ViewModel still holds the text; only a fresh launch reads the intent.
        if (savedInstanceState == null) readShared(intent)
        lifecycleScope.launch {
            repeatOnLifecycle(Lifecycle.State.STARTED) {
                launch { viewModel.model.collect { status.text = statusText(it) } }
                viewModel.analysis.collect { analysis -> if (analysis != null) show(analysis) }
            }
        }
    }

    /** Text shared while the app is on top (launchMode singleTop) arrives here instead of in onCreate. */
    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        readShared(intent)
    }

    private fun readShared(intent: Intent) {
        if (intent.action != Intent.ACTION_SEND || intent.type?.startsWith("text/") != true) return
        val shared = intent.getCharSequenceExtra(Intent.EXTRA_TEXT)?.toString() ?: ""
        if (!viewModel.read(shared)) Toast.makeText(this, R.string.nothing_to_read, Toast.LENGTH_SHORT).show()
    }

    private fun pasteFromClipboard() {
        val clipboard = getSystemService(ClipboardManager::class.java)
        val clip = clipboard?.primaryClip
        val pasted = if (clip != null && clip.itemCount > 0) clip.getItemAt(0).coerceToText(this).toString() else ""
        if (!viewModel.read(pasted)) Toast.makeText(this, R.string.nothing_to_read, Toast.LENGTH_SHORT).show()
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

    private fun show(analysis: Analysis) {
        val transcript = analysis.transcript
        val text = SpannableStringBuilder()
        val starts = IntArray(transcript.sections.size)
        transcript.sections.forEachIndexed { i, section ->
            starts[i] = text.length
            text.append(section.text)
            if (i in transcript.keySections) {
                text.setSpan(BackgroundColorSpan(0x33E67800), starts[i], text.length, Spanned.SPAN_EXCLUSIVE_EXCLUSIVE)
            }
            val lower = section.text.lowercase()
            for (keyword in section.keywords) {
                var at = lower.indexOf(keyword.term)
                while (at >= 0) {
                    text.setSpan(StyleSpan(Typeface.BOLD), starts[i] + at, starts[i] + at + keyword.term.length,
                        Spanned.SPAN_EXCLUSIVE_EXCLUSIVE)
                    at = lower.indexOf(keyword.term, at + keyword.term.length)
                }
            }
            text.append("\n\n")
        }
        transcriptView.text = text
        status.text = "${ModelContract.MODEL_NAME} on ${analysis.backend}: ${analysis.millis} ms"
        transcriptView.post {
            val layout = transcriptView.layout ?: return@post
            scrollbar.setMarks(transcript.keySections.map { i ->
                val top = layout.getLineTop(layout.getLineForOffset(starts[i]))
                KeywordScrollbar.Mark(top.toFloat() / transcriptView.height, transcript.sections[i].keywords.firstOrNull()?.term ?: "")
            })
            updateViewport()
        }
    }

    private fun updateViewport() {
        val total = transcriptView.height.coerceAtLeast(1)
        scrollbar.setViewport(scroll.scrollY.toFloat() / total, (scroll.height.toFloat() / total).coerceAtMost(1f))
    }
}
