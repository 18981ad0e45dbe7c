package dev.edgekit.app

import android.app.Application
import android.util.Log
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.ExecutorCoroutineDispatcher
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

/** The model as the status line shows it. */
sealed interface ModelState {
    data object Loading : ModelState

    data class Ready(val backend: Backend, val fallbackReason: String?) : ModelState

    data class Failed(val reason: String) : ModelState
}

/**
 * Owns the app's pipeline [P] (which owns the [ModelRunner]) and the one thread it lives on.
 *
 * Every edgekit Android app handles its model this way. The ViewModel outlives its Activity across
 * rotation, so the model is compiled once, not once per Activity; [onCleared], called once when the
 * Activity finishes for good, closes the pipeline and ends the thread. The Activity only draws: it
 * collects [model] and the app's results with repeatOnLifecycle and never closes anything itself.
 */
abstract class PipelineViewModel<P : AutoCloseable>(application: Application) : AndroidViewModel(application) {
    /** LiteRT objects stay on one thread: the pipeline is created, used and closed here only. */
    protected val modelExecutor: ExecutorService = Executors.newSingleThreadExecutor { task -> Thread(task, "model") }
    protected val modelThread: ExecutorCoroutineDispatcher = modelExecutor.asCoroutineDispatcher()

    /** The current pipeline, or null while none is loaded. Read and written on [modelExecutor] only. */
    protected var pipeline: P? = null
        private set

    private val modelState = MutableStateFlow<ModelState>(ModelState.Loading)
    val model: StateFlow<ModelState> = modelState.asStateFlow()
    private var requested: Backend? = null

    /** Builds the app's pipeline around a freshly compiled [runner] (on the model thread); it owns [runner]. */
    protected abstract fun createPipeline(runner: ModelRunner): P

    /** Called on the main thread each time a new pipeline is ready. */
    protected open fun onPipelineReady() = Unit

    /** Loads the model on [backend]. Main thread; nothing happens when that is already the one asked for. */
    fun useBackend(backend: Backend) {
        if (backend == requested) return  // a recreated Activity's spinner reports the same choice again
        requested = backend
        modelState.value = ModelState.Loading
        viewModelScope.launch {
            val state = withContext(modelThread) { replacePipeline(backend) }
            modelState.value = state
            if (state is ModelState.Ready) onPipelineReady()
        }
    }

    /** Runs [block] on the model thread with the current pipeline; null while none is loaded. */
    protected suspend fun <R> withPipeline(block: (P) -> R): R? = withContext(modelThread) { pipeline?.let(block) }

    override fun onCleared() {
        // viewModelScope is already cancelled here, so the close is a plain task on the model
        // thread: it runs after the frame or request in progress, and then the thread ends.
        modelExecutor.execute {
            pipeline?.close()
            pipeline = null
        }
        modelExecutor.shutdown()
    }

    private fun replacePipeline(backend: Backend): ModelState {
        pipeline?.close()
        pipeline = null
        val runner = try {
            ModelRunner.open(getApplication<Application>(), backend)
        } catch (e: Exception) {
            Log.e(TAG, "could not compile ${ModelContract.MODEL_FILE}", e)
            return ModelState.Failed("${ModelContract.MODEL_NAME} did not load: ${e.message ?: e.javaClass.simpleName}")
        }
        pipeline = try {
            createPipeline(runner)
        } catch (e: Exception) {
            runner.close()
            Log.e(TAG, "could not set up the pipeline", e)
            return ModelState.Failed("The pipeline did not start: ${e.message ?: e.javaClass.simpleName}")
        }
        return ModelState.Ready(runner.backend, runner.fallbackReason)
    }

    private companion object {
        const val TAG = "PipelineViewModel"
    }
}

/** The status line for [state]. */
fun statusText(state: ModelState): String = when (state) {
    ModelState.Loading -> "Loading ${ModelContract.MODEL_NAME}…"
    is ModelState.Ready -> "${ModelContract.MODEL_NAME} on ${state.backend}" + (state.fallbackReason?.let { " ($it)" } ?: "")
    is ModelState.Failed -> state.reason
}
