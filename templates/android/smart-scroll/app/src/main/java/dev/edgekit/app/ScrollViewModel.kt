package dev.edgekit.app

import android.app.Application
import android.os.SystemClock
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch

/** One analysed text and what it cost. */
class Analysis(val transcript: Transcript, val millis: Long, val backend: Backend)

/**
 * The embedding model and the text being read: the bundled sample transcript until the user pastes
 * or shares their own. Outlives rotation; the pipeline is closed in onCleared.
 */
class ScrollViewModel(application: Application) : PipelineViewModel<ScrollPipeline>(application) {
    private val analysisState = MutableStateFlow<Analysis?>(null)

    /** The latest analysis, kept across rotation. */
    val analysis: StateFlow<Analysis?> = analysisState.asStateFlow()

    private var text: String? = null  // main thread; null: the bundled sample
    private var running: Job? = null

    override fun createPipeline(runner: ModelRunner): ScrollPipeline {
        val assets = getApplication<Application>().assets
        val stop = assets.open("stopwords.txt").bufferedReader().use { ScrollPipeline.parseStopWords(it.readText()) }
        return ScrollPipeline(runner, TextModel.tokenizer(getApplication<Application>()), stop)
    }

    /** The backend changed: the same text is analysed again on it. */
    override fun onPipelineReady() = analyseCurrent()

    /** Reads [newText] (pasted or shared) instead; false, and nothing changes, when it has no words. */
    fun read(newText: String): Boolean {
        if (newText.isBlank()) return false
        text = newText
        analyseCurrent()
        return true
    }

    private fun analyseCurrent() {
        val wanted = text
        running?.cancel()  // a newer text wins; the older result is dropped
        running = viewModelScope.launch {
            analysisState.value = withPipeline { current ->
                val source = wanted ?: sampleTranscript()
                val started = SystemClock.elapsedRealtime()
                Analysis(current.analyse(source), SystemClock.elapsedRealtime() - started, current.backend)
            } ?: return@launch
        }
    }

    private fun sampleTranscript(): String =
        getApplication<Application>().assets.open("transcript.txt").bufferedReader().use { it.readText() }
}
