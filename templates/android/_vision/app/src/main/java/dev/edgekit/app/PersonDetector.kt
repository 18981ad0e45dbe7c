package dev.edgekit.app

import android.content.Context
import com.google.ai.edge.litert.Accelerator
import com.google.ai.edge.litert.CompiledModel
import com.google.ai.edge.litert.TensorBuffer

/**
 * The BlazePose person detector (MediaPipe's own pose_detection.tflite, which edgekit put into the
 * assets), on LiteRT's CPU. Pose runs it when no person is tracked (the first frame, and whenever
 * the landmark model's pose-presence score drops); body segmentation runs it on every frame to tell
 * whether anyone is there at all.
 */
class PersonDetector private constructor(private val model: CompiledModel) : AutoCloseable {
    private val inputBuffers: List<TensorBuffer> = model.createInputBuffers()
    private val outputBuffers: List<TensorBuffer> = model.createOutputBuffers()

    /**
     * The raw output for one [1, size, size, 3] float32 input: per anchor [DetectorSpec.VALUES]
     * values, the score logit first, then box and keypoints. MediaPipe's file gives the box and
     * keypoints ([1, anchors, 12]) and the score ([1, anchors, 1]) as two outputs; they are put side
     * by side here, as the golden step does.
     */
    fun run(input: FloatArray): FloatArray {
        val size = DetectorSpec.INPUT_SIZE
        require(input.size == size * size * 3) { "the detector takes ${size * size * 3} values; got ${input.size}" }
        inputBuffers[0].writeFloat(input)
        model.run(inputBuffers, outputBuffers)
        return TwoStage.detectorRows(outputBuffers.map { it.readFloat() })
    }

    /** The best score on a whole frame of interleaved RGB bytes, letterboxed as edgekit letterboxes it. */
    fun personScore(rgb: IntArray, width: Int, height: Int): Double {
        val size = DetectorSpec.INPUT_SIZE
        val input = TwoStage.crop(rgb, width, height, TwoStage.letterboxRegion(width, height), size, size,
            DetectorSpec.NORMALIZE_LOW, DetectorSpec.NORMALIZE_HIGH)
        return TwoStage.bestScore(run(input))
    }

    override fun close() {
        inputBuffers.forEach { it.close() }
        outputBuffers.forEach { it.close() }
        model.close()
    }

    companion object {
        fun open(context: Context): PersonDetector =
            PersonDetector(CompiledModel.create(context.assets, DetectorSpec.FILE, CompiledModel.Options(Accelerator.CPU)))
    }
}
