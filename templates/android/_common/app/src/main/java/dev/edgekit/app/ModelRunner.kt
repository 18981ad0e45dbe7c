package dev.edgekit.app

import android.content.Context
import android.util.Log
import com.google.ai.edge.litert.Accelerator
import com.google.ai.edge.litert.CompiledModel
import com.google.ai.edge.litert.TensorBuffer
import kotlin.math.roundToInt

/** Where the model runs. GPU falls back to CPU when the device or the model cannot use it. */
enum class Backend(val accelerator: Accelerator) {
    CPU(Accelerator.CPU),
    GPU(Accelerator.GPU),
}

/**
 * The model of [ModelContract], compiled with LiteRT's CompiledModel API.
 *
 * The only class that touches LiteRT. Inputs and outputs are addressed by their [TensorSpec]
 * (position in the model's signature), so the pipelines never hard-code an index or a shape.
 * Quantized int8/uint8 tensors are converted with the scale and zero point the model declares.
 */
class ModelRunner private constructor(
    private val model: CompiledModel,
    /** The backend that actually runs the model. */
    val backend: Backend,
    /** Why the requested backend was not used, or null when it was. */
    val fallbackReason: String?,
) : AutoCloseable {
    private val inputBuffers: List<TensorBuffer> = model.createInputBuffers()
    private val outputBuffers: List<TensorBuffer> = model.createOutputBuffers()

    init {
        check(inputBuffers.size == ModelContract.INPUTS.size && outputBuffers.size == ModelContract.OUTPUTS.size) {
            "${ModelContract.MODEL_FILE} has ${inputBuffers.size} inputs and ${outputBuffers.size} outputs; " +
                "this app was generated for ${ModelContract.INPUTS.size} and ${ModelContract.OUTPUTS.size}. " +
                "Re-run edgekit scaffold for this model."
        }
    }

    /** Writes real values into [input], quantizing them when the tensor is int8 or uint8. */
    fun writeFloat(input: TensorSpec, values: FloatArray) {
        requireSize(input, values.size)
        val buffer = inputBuffers[input.position]
        when (input.dtype) {
            "float32" -> buffer.writeFloat(values)
            "int8", "uint8" -> buffer.writeInt8(quantize(input, values))
            "int32" -> buffer.writeInt(IntArray(values.size) { values[it].roundToInt() })
            else -> error("input ${input.key} is ${input.dtype}; the app writes float32, int32, int8 or uint8")
        }
    }

    /** Writes integers (token ids, raw pixels) into [input]. */
    fun writeInt(input: TensorSpec, values: IntArray) {
        requireSize(input, values.size)
        val buffer = inputBuffers[input.position]
        when (input.dtype) {
            "int32" -> buffer.writeInt(values)
            "uint8", "int8" -> buffer.writeInt8(ByteArray(values.size) { values[it].toByte() })
            "float32" -> buffer.writeFloat(FloatArray(values.size) { values[it].toFloat() })
            else -> error("input ${input.key} is ${input.dtype}; the app writes float32, int32, int8 or uint8")
        }
    }

    /** Runs the model once on what was written. */
    fun run() {
        model.run(inputBuffers, outputBuffers)
    }

    /** The values of [output] as real numbers: int8/uint8 outputs are dequantized. */
    fun readFloat(output: TensorSpec): FloatArray {
        val buffer = outputBuffers[output.position]
        return when (output.dtype) {
            "float32" -> buffer.readFloat()
            "int8", "uint8" -> dequantize(output, buffer.readInt8())
            "int32" -> buffer.readInt().let { ints -> FloatArray(ints.size) { ints[it].toFloat() } }
            else -> error("output ${output.key} is ${output.dtype}; the app reads float32, int32, int8 or uint8")
        }
    }

    override fun close() {
        inputBuffers.forEach { it.close() }
        outputBuffers.forEach { it.close() }
        model.close()
    }

    private fun requireSize(input: TensorSpec, size: Int) {
        require(size == input.elementCount) {
            "input ${input.key} takes ${input.elementCount} values ${input.shape}; got $size"
        }
    }

    companion object {
        private const val TAG = "ModelRunner"

        /** Compiles the bundled model for [requested]; GPU falls back to CPU with the reason kept. */
        fun open(context: Context, requested: Backend): ModelRunner {
            if (requested == Backend.GPU) {
                try {
                    // CPU listed second lets LiteRT run ops the GPU cannot on the CPU.
                    val options = CompiledModel.Options(Accelerator.GPU, Accelerator.CPU)
                    return ModelRunner(CompiledModel.create(context.assets, ModelContract.MODEL_FILE, options),
                        Backend.GPU, null)
                } catch (e: Exception) {
                    Log.w(TAG, "GPU unavailable for ${ModelContract.MODEL_FILE}; using the CPU", e)
                    return openCpu(context, "GPU unavailable: ${e.message ?: e.javaClass.simpleName}")
                }
            }
            return openCpu(context, null)
        }

        private fun openCpu(context: Context, reason: String?): ModelRunner {
            val model = CompiledModel.create(context.assets, ModelContract.MODEL_FILE,
                CompiledModel.Options(Accelerator.CPU))
            return ModelRunner(model, Backend.CPU, reason)
        }

        /** real -> q = round(real / scale) + zeroPoint, clamped to the type's range. */
        fun quantize(spec: TensorSpec, values: FloatArray): ByteArray {
            val scale = spec.scale ?: error("tensor ${spec.key} is ${spec.dtype} without a scale")
            val zero = spec.zeroPoint ?: 0
            val (low, high) = if (spec.dtype == "uint8") 0 to 255 else -128 to 127
            return ByteArray(values.size) { i ->
                ((values[i] / scale).roundToInt() + zero).coerceIn(low, high).toByte()
            }
        }

        /** q -> real = (q - zeroPoint) * scale; uint8 bytes are read unsigned. */
        fun dequantize(spec: TensorSpec, bytes: ByteArray): FloatArray {
            val scale = spec.scale ?: error("tensor ${spec.key} is ${spec.dtype} without a scale")
            val zero = spec.zeroPoint ?: 0
            val unsigned = spec.dtype == "uint8"
            return FloatArray(bytes.size) { i ->
                val q = if (unsigned) bytes[i].toInt() and 0xFF else bytes[i].toInt()
                (q - zero) * scale
            }
        }
    }
}
