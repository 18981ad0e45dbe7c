package dev.edgekit.app

import android.graphics.Bitmap
import android.graphics.BitmapFactory

/** The golden input image as interleaved RGB bytes at the model's input size. */
object GoldenImage {
    fun rgb(name: String): IntArray {
        val bytes = GoldenFiles.bytes(name)
        val options = BitmapFactory.Options().apply {
            inPreferredConfig = Bitmap.Config.ARGB_8888
            inPremultiplied = false
            inScaled = false
        }
        val bitmap = BitmapFactory.decodeByteArray(bytes, 0, bytes.size, options)
        check(bitmap.width == Binding.IMAGE_WIDTH && bitmap.height == Binding.IMAGE_HEIGHT) {
            "golden image is ${bitmap.width}x${bitmap.height}; the model takes ${Binding.IMAGE_WIDTH}x${Binding.IMAGE_HEIGHT}"
        }
        val argb = IntArray(bitmap.width * bitmap.height)
        bitmap.getPixels(argb, 0, bitmap.width, 0, 0, bitmap.width, bitmap.height)
        return ImagePreprocessor.rgbBytes(argb)
    }
}
