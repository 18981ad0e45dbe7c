package dev.edgekit.app

import android.content.Context
import com.google.ai.edge.litert.Accelerator
import com.google.ai.edge.litert.CompiledModel
import com.google.ai.edge.litert.TensorBuffer

/**
 * The BlazePose person detector (edgekit converted MediaPipe's pose detector to .tflite into the
 * assets), on LiteRT's CPU. It only runs when no person is tracked: on the first frame and
 * whenever the landmark model's pose-presence score drops.
 */
class PersonDetector private constructor(private val model: CompiledModel) : AutoCloseable {
    private val inputBuffers: List<TensorBuffer> = model.createInputBuffers()
    private val outputBuffers: List<TensorBuffer> = model.createOutputBuffers()

    /** The raw output (anchors x values) for one [1, size, size, 3] float32 input. */
    fun run(input: FloatArray): FloatArray {
        val size = PoseStages.DETECTOR_INPUT_SIZE
        require(input.size == size * size * 3) { "the detector takes ${size * size * 3} values; got ${input.size}" }
        inputBuffers[0].writeFloat(input)
        model.run(inputBuffers, outputBuffers)
        return outputBuffers[0].readFloat()
    }

    override fun close() {
        inputBuffers.forEach { it.close() }
        outputBuffers.forEach { it.close() }
        model.close()
    }

    companion object {
        fun open(context: Context): PersonDetector =
            PersonDetector(CompiledModel.create(context.assets, PoseStages.DETECTOR_FILE, CompiledModel.Options(Accelerator.CPU)))
    }
}
