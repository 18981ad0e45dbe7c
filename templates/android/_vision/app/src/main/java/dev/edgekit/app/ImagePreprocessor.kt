package dev.edgekit.app

import android.graphics.Bitmap
import android.graphics.Matrix
import android.graphics.Rect

/**
 * Camera frame -> model input, with the size and value range from [Binding] (never constants).
 *
 * [toInputValues] is the part the parity test checks against edgekit's reference: RGB channels
 * last, pixel p in 0..255 mapped to low + p / 255 * (high - low) for float inputs, raw 0..255
 * for integer inputs.
 */
object ImagePreprocessor {
    /** Rotates the frame upright and returns it with the centred crop that has the model's aspect ratio. */
    fun upright(frame: Bitmap, rotationDegrees: Int): Bitmap {
        if (rotationDegrees == 0) return frame
        val matrix = Matrix().apply { postRotate(rotationDegrees.toFloat()) }
        return Bitmap.createBitmap(frame, 0, 0, frame.width, frame.height, matrix, true)
    }

    /** The largest centred rectangle of [width] x [height] with the model input's aspect ratio. */
    fun centerCrop(width: Int, height: Int): Rect {
        val aspect = Binding.IMAGE_WIDTH.toFloat() / Binding.IMAGE_HEIGHT
        return if (width.toFloat() / height > aspect) {
            val cropWidth = (height * aspect).toInt()
            Rect((width - cropWidth) / 2, 0, (width - cropWidth) / 2 + cropWidth, height)
        } else {
            val cropHeight = (width / aspect).toInt()
            Rect(0, (height - cropHeight) / 2, width, (height - cropHeight) / 2 + cropHeight)
        }
    }

    /** ARGB pixels of [crop] in [image], scaled to the model's input size. */
    fun modelPixels(image: Bitmap, crop: Rect): IntArray {
        val cropped = Bitmap.createBitmap(image, crop.left, crop.top, crop.width(), crop.height())
        val scaled = Bitmap.createScaledBitmap(cropped, Binding.IMAGE_WIDTH, Binding.IMAGE_HEIGHT, true)
        val pixels = IntArray(Binding.IMAGE_WIDTH * Binding.IMAGE_HEIGHT)
        scaled.getPixels(pixels, 0, Binding.IMAGE_WIDTH, 0, 0, Binding.IMAGE_WIDTH, Binding.IMAGE_HEIGHT)
        return pixels
    }

    /** Interleaved R, G, B bytes (0..255) of ARGB pixels, the layout of the golden input image. */
    fun rgbBytes(argb: IntArray): IntArray {
        val rgb = IntArray(argb.size * 3)
        for (i in argb.indices) {
            val pixel = argb[i]
            rgb[3 * i] = (pixel shr 16) and 0xFF
            rgb[3 * i + 1] = (pixel shr 8) and 0xFF
            rgb[3 * i + 2] = pixel and 0xFF
        }
        return rgb
    }

    /** Model input values for interleaved RGB bytes: normalised as the binding says. */
    fun toInputValues(rgb: IntArray): FloatArray {
        val low = Binding.NORMALIZE_LOW
        val span = Binding.NORMALIZE_HIGH - Binding.NORMALIZE_LOW
        return FloatArray(rgb.size) { i ->
            if (Binding.NORMALIZE) low + rgb[i] / 255f * span else rgb[i].toFloat()
        }
    }

    /** Writes interleaved RGB bytes into the model's image input. */
    fun write(runner: ModelRunner, rgb: IntArray) {
        if (Binding.NORMALIZE) runner.writeFloat(Binding.IMAGE, toInputValues(rgb)) else runner.writeInt(Binding.IMAGE, rgb)
    }
}
