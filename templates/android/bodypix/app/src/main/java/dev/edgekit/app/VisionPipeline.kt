package dev.edgekit.app

import android.content.Context
import android.graphics.Bitmap
import android.graphics.Rect
import kotlin.math.exp

/**
 * One frame: the person detector's best score, and P(person) per mask pixel (MASK_HEIGHT x
 * MASK_WIDTH values in 0..1, row by row) when someone is there; null [probability] means nobody.
 * A plain class: it holds an array, which a data class would compare by identity.
 */
class FrameResult(val personScore: Double, val probability: FloatArray?) {
    val personPresent: Boolean get() = probability != null
}

/**
 * Image -> is anyone there? -> model -> person probability, with the activation the binding names.
 *
 * A segmenter alone paints a "person" on anything (MediaPipe's selfie segmenter marks most of a
 * cat), so the BlazePose person detector looks at the model's view of the frame first; below
 * [DetectorSpec.MIN_SCORE] the frame has nobody in it and no mask is computed.
 */
class VisionPipeline(private val runner: ModelRunner, private val detector: PersonDetector) : AutoCloseable {
    val backend: Backend get() = runner.backend

    /** The part of a camera frame the model sees: the centred crop with the model's aspect ratio. */
    fun frameRegion(frameWidth: Int, frameHeight: Int): Rect = ImagePreprocessor.centerCrop(frameWidth, frameHeight)

    /** The result for [region] of an upright camera [frame], scaled to the model's input size. */
    fun processFrame(frame: Bitmap, region: Rect): FrameResult = process(ImagePreprocessor.modelPixels(frame, region))

    /** The result for ARGB pixels already at the model's input size. */
    fun process(argb: IntArray): FrameResult = processRgb(ImagePreprocessor.rgbBytes(argb))

    /** The result for interleaved RGB bytes at the model's input size (what the parity test feeds). */
    fun processRgb(rgb: IntArray): FrameResult {
        val score = detector.personScore(rgb, Binding.IMAGE_WIDTH, Binding.IMAGE_HEIGHT)
        if (score < DetectorSpec.MIN_SCORE) return FrameResult(score, null)
        ImagePreprocessor.write(runner, rgb)
        runner.run()
        return FrameResult(score, personProbability(runner.readFloat(Binding.MASK)))
    }

    /** "no person" below the detector's threshold, else how much of the frame the person covers. */
    fun describe(result: FrameResult): String {
        val probability = result.probability ?: return "no person (detector score ${"%.2f".format(result.personScore)})"
        val share = probability.count { it >= 0.5f } * 100.0 / probability.size
        return "person covers ${"%.1f".format(share)}% of the frame"
    }

    override fun close() {
        runner.close()
        detector.close()
    }

    companion object {
        /** The pipeline for this app's model, with the person detector from the assets. */
        fun open(context: Context, runner: ModelRunner): VisionPipeline = VisionPipeline(runner, PersonDetector.open(context))

        /** [1, H, W, C] model output -> P(person) for each of the H x W pixels. */
        fun personProbability(values: FloatArray): FloatArray {
            val channels = Binding.MASK_CHANNELS
            val person = Binding.MASK_PERSON_CHANNEL
            return FloatArray(Binding.MASK_HEIGHT * Binding.MASK_WIDTH) { i ->
                val base = i * channels
                val v = values[base + person]
                when (Binding.MASK_ACTIVATION) {
                    "sigmoid" -> 1f / (1f + exp(-v))
                    "softmax" -> {
                        var peak = values[base]
                        for (c in 1 until channels) peak = maxOf(peak, values[base + c])
                        var total = 0f
                        for (c in 0 until channels) total += exp(values[base + c] - peak)
                        exp(v - peak) / total
                    }
                    else -> v
                }
            }
        }
    }
}
