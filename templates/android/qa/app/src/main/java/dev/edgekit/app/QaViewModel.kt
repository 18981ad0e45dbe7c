package dev.edgekit.app

import android.app.Application
import android.os.SystemClock
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch

/** What the app shows for one question: the answer (or why there is none) and what it cost. */
class Reply(val text: String, val millis: Long, val backend: Backend)

/** The question-answering model and the latest reply; outlives rotation, closed in onCleared. */
class QaViewModel(application: Application) : PipelineViewModel<QaPipeline>(application) {
    private val replyState = MutableStateFlow<Reply?>(null)

    /** The latest reply, kept across rotation. */
    val reply: StateFlow<Reply?> = replyState.asStateFlow()

    override fun createPipeline(runner: ModelRunner) =
        QaPipeline(runner, TextModel.tokenizer(getApplication<Application>()))

    /** Answers [question] from [passage] on the model thread; nothing happens while no model is loaded. */
    fun ask(question: String, passage: String) {
        viewModelScope.launch {
            replyState.value = withPipeline { current ->
                val started = SystemClock.elapsedRealtime()
                val text = try {
                    current.answer(question, passage).text
                } catch (e: IllegalArgumentException) {
                    e.message ?: "no answer"  // e.g. an empty passage leaves no tokens to answer from
                }
                Reply(text, SystemClock.elapsedRealtime() - started, current.backend)
            } ?: return@launch
        }
    }
}
