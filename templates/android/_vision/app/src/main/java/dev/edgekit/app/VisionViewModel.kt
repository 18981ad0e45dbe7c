package dev.edgekit.app

import android.app.Application
import android.os.SystemClock
import androidx.camera.core.ImageProxy
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import java.util.concurrent.Executor

/** One analysed camera frame: the pipeline's result, where it lies on screen, what it cost, and a word on it. */
class AnalysedFrame(val result: FrameResult, val mapping: FrameMapping, val millis: Long, val backend: Backend,
                    val description: String)

/**
 * The camera apps' model: each analysed frame goes through the app's VisionPipeline on the model thread.
 *
 * What this file needs of the app's own VisionPipeline.kt (pose, bodypix, ...):
 * `class VisionPipeline : AutoCloseable` that owns its [ModelRunner] (and any other model, such as
 * pose's person detector) and closes them in close(); `VisionPipeline.open(context, runner)`;
 * `val backend: Backend`; `fun frameRegion(frameWidth, frameHeight): Rect`, the part of the upright
 * frame the pipeline looks at and its results are relative to; `fun processFrame(frame: Bitmap,
 * region: Rect): FrameResult`; `fun describe(result: FrameResult): String` (one line for the status
 * bar, e.g. "no person"); and a `FrameResult` type that the app's OverlayView.show takes. The
 * pipeline is created, used and closed on the model thread only, and closed in onCleared.
 */
class VisionViewModel(application: Application) : PipelineViewModel<VisionPipeline>(application) {
    private val frameState = MutableStateFlow<AnalysedFrame?>(null)

    /** The latest analysed frame; the Activity draws it. */
    val frames: StateFlow<AnalysedFrame?> = frameState.asStateFlow()

    /** CameraX calls the analyzer here, so every frame reaches the pipeline on its own thread. */
    val analysisExecutor: Executor get() = modelExecutor

    override fun createPipeline(runner: ModelRunner) = VisionPipeline.open(getApplication<Application>(), runner)

    /** Runs the pipeline on one camera frame. Call on [analysisExecutor]. */
    fun analyze(image: ImageProxy) {
        val frame = image.use { ImagePreprocessor.upright(it.toBitmap(), it.imageInfo.rotationDegrees) }
        val current = pipeline ?: return
        val crop = current.frameRegion(frame.width, frame.height)
        val started = SystemClock.elapsedRealtime()
        val result = current.processFrame(frame, crop)
        val millis = SystemClock.elapsedRealtime() - started
        frameState.value = AnalysedFrame(result, FrameMapping(frame.width, frame.height, crop), millis, current.backend,
            current.describe(result))
    }
}
