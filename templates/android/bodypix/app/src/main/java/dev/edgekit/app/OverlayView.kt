package dev.edgekit.app

import android.content.Context
import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Paint
import android.graphics.RectF
import android.util.AttributeSet
import android.view.View

/** Tints the pixels the model sees as a person over the camera preview; nothing when nobody is there. */
class OverlayView(context: Context, attrs: AttributeSet?) : View(context, attrs) {
    private val mask = Bitmap.createBitmap(Binding.MASK_WIDTH, Binding.MASK_HEIGHT, Bitmap.Config.ARGB_8888)
    private val colors = IntArray(Binding.MASK_WIDTH * Binding.MASK_HEIGHT)
    private var mapping: FrameMapping? = null
    private val paint = Paint().apply { isFilterBitmap = true }

    /** Shows [result]; [frame] says where the model's input sits in the preview. */
    fun show(result: FrameResult, frame: FrameMapping) {
        val probability = result.probability
        for (i in colors.indices) {
            val alpha = if (probability == null) 0 else (probability[i].coerceIn(0f, 1f) * 160).toInt()
            colors[i] = (alpha shl 24) or 0xFF00FF
        }
        mask.setPixels(colors, 0, Binding.MASK_WIDTH, 0, 0, Binding.MASK_WIDTH, Binding.MASK_HEIGHT)
        mapping = frame
        invalidate()
    }

    override fun onDraw(canvas: Canvas) {
        super.onDraw(canvas)
        val frame = mapping ?: return
        val topLeft = frame.toView(0f, 0f, width, height)
        val bottomRight = frame.toView(1f, 1f, width, height)
        canvas.drawBitmap(mask, null, RectF(topLeft.x, topLeft.y, bottomRight.x, bottomRight.y), paint)
    }
}
