package dev.edgekit.app

import android.content.Context
import android.graphics.Bitmap
import android.graphics.Rect
import kotlin.math.exp

/** P(person) per mask pixel, row by row: MASK_HEIGHT x MASK_WIDTH values in 0..1. */
typealias FrameResult = FloatArray

/** Image -> model -> person probability, with the activation the binding names. */
class VisionPipeline(private val runner: ModelRunner) : AutoCloseable {
    val backend: Backend get() = runner.backend

    /** The part of a camera frame the model sees: the centred crop with the model's aspect ratio. */
    fun frameRegion(frameWidth: Int, frameHeight: Int): Rect = ImagePreprocessor.centerCrop(frameWidth, frameHeight)

    /** Person probabilities for [region] of an upright camera [frame], scaled to the model's input size. */
    fun processFrame(frame: Bitmap, region: Rect): FrameResult = process(ImagePreprocessor.modelPixels(frame, region))

    /** Person probabilities for ARGB pixels already at the model's input size. */
    fun process(argb: IntArray): FrameResult = processRgb(ImagePreprocessor.rgbBytes(argb))

    /** Person probabilities for interleaved RGB bytes at the model's input size (what the parity test feeds). */
    fun processRgb(rgb: IntArray): FrameResult {
        ImagePreprocessor.write(runner, rgb)
        runner.run()
        return personProbability(runner.readFloat(Binding.MASK))
    }

    override fun close() = runner.close()

    companion object {
        /** The pipeline for this app's model (one model: nothing else to open). */
        @Suppress("UNUSED_PARAMETER")
        fun open(context: Context, runner: ModelRunner): VisionPipeline = VisionPipeline(runner)

        /** [1, H, W, C] model output -> P(person) for each of the H x W pixels. */
        fun personProbability(values: FloatArray): FrameResult {
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
