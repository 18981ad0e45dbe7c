package dev.edgekit.app

import kotlin.math.exp

/** One body keypoint: x, y in 0..1 of the model input (left to right, top to bottom), score in 0..1. */
data class Keypoint(val x: Float, val y: Float, val score: Float)

/** The keypoints of one frame. */
typealias FrameResult = List<Keypoint>

/** Image -> model -> keypoints, decoded as the binding says (layout, coordinates, score activation). */
class VisionPipeline(private val runner: ModelRunner) : AutoCloseable {
    val backend: Backend get() = runner.backend

    /** Keypoints for ARGB pixels already at the model's input size. */
    fun process(argb: IntArray): FrameResult = processRgb(ImagePreprocessor.rgbBytes(argb))

    /** Keypoints for interleaved RGB bytes at the model's input size (what the parity test feeds). */
    fun processRgb(rgb: IntArray): FrameResult {
        ImagePreprocessor.write(runner, rgb)
        runner.run()
        return decode(runner.readFloat(Binding.KEYPOINTS))
    }

    override fun close() = runner.close()

    companion object {
        /** The first KEYPOINT_COUNT rows of KEYPOINT_STRIDE values -> normalised keypoints. */
        fun decode(values: FloatArray): FrameResult = List(Binding.KEYPOINT_COUNT) { k ->
            val row = k * Binding.KEYPOINT_STRIDE
            var x = values[row + Binding.KEYPOINT_X]
            var y = values[row + Binding.KEYPOINT_Y]
            if (Binding.KEYPOINT_COORDS == "pixels") {
                x /= Binding.IMAGE_WIDTH
                y /= Binding.IMAGE_HEIGHT
            }
            val raw = values[row + Binding.KEYPOINT_SCORE]
            val score = if (Binding.KEYPOINT_SCORE_ACTIVATION == "sigmoid") 1f / (1f + exp(-raw)) else raw
            Keypoint(x, y, score)
        }
    }
}
