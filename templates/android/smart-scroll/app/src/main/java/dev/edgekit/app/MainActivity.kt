package dev.edgekit.app

import android.graphics.Typeface
import android.os.Bundle
import android.text.SpannableStringBuilder
import android.text.Spanned
import android.text.style.BackgroundColorSpan
import android.text.style.StyleSpan
import android.view.View
import android.widget.AdapterView
import android.widget.ArrayAdapter
import android.widget.ScrollView
import android.widget.Spinner
import android.widget.TextView
import androidx.appcompat.app.AppCompatActivity
import androidx.lifecycle.lifecycleScope
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.util.concurrent.Executors

/** A transcript with its key sections marked along a custom scrollbar, labelled by keyword. */
class MainActivity : AppCompatActivity() {
    // The model is created, used and closed on this one thread only.
    private val modelThread = Executors.newSingleThreadExecutor().asCoroutineDispatcher()
    private var pipeline: ScrollPipeline? = null
    private lateinit var scroll: ScrollView
    private lateinit var transcriptView: TextView
    private lateinit var scrollbar: KeywordScrollbar
    private lateinit var status: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        scroll = findViewById(R.id.scroll)
        transcriptView = findViewById(R.id.transcript)
        scrollbar = findViewById(R.id.scrollbar)
        status = findViewById(R.id.status)
        scrollbar.onSeek = { fraction -> scroll.scrollTo(0, (fraction * transcriptView.height).toInt()) }
        scroll.viewTreeObserver.addOnScrollChangedListener { updateViewport() }
        setUpAcceleratorChoice(findViewById(R.id.accelerator))
    }

    private fun setUpAcceleratorChoice(spinner: Spinner) {
        spinner.adapter = ArrayAdapter.createFromResource(this, R.array.accelerators,
            android.R.layout.simple_spinner_dropdown_item)
        spinner.onItemSelectedListener = object : AdapterView.OnItemSelectedListener {
            override fun onItemSelected(parent: AdapterView<*>?, view: View?, position: Int, id: Long) {
                analyse(Backend.entries[position])
            }

            override fun onNothingSelected(parent: AdapterView<*>?) = Unit
        }
    }

    private fun analyse(requested: Backend) {
        val transcript = assets.open("transcript.txt").bufferedReader().use { it.readText() }
        lifecycleScope.launch {
            val (result, runner) = withContext(modelThread) {
                pipeline?.close()
                val runner = ModelRunner.open(this@MainActivity, requested)
                val stop = assets.open("stopwords.txt").bufferedReader().use { ScrollPipeline.parseStopWords(it.readText()) }
                val created = ScrollPipeline(runner, TextModel.tokenizer(this@MainActivity), stop)
                pipeline = created
                created.analyse(transcript) to runner
            }
            show(result)
            val note = runner.fallbackReason?.let { " ($it)" } ?: ""
            status.text = "${ModelContract.MODEL_NAME} on ${runner.backend}$note"
        }
    }

    private fun show(transcript: Transcript) {
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
