package dev.edgekit.app

import android.graphics.PointF
import android.graphics.Rect
import kotlin.math.max

/**
 * Where the model's input came from in the upright camera frame, and how that frame is shown
 * by a PreviewView in its default FILL_CENTER mode: scaled to cover the view, centred, cropped.
 */
data class FrameMapping(val frameWidth: Int, val frameHeight: Int, val crop: Rect) {
    /** View coordinates of (u, v), given in 0..1 of the model input. */
    fun toView(u: Float, v: Float, viewWidth: Int, viewHeight: Int): PointF {
        val scale = max(viewWidth.toFloat() / frameWidth, viewHeight.toFloat() / frameHeight)
        val offsetX = (viewWidth - frameWidth * scale) / 2f
        val offsetY = (viewHeight - frameHeight * scale) / 2f
        val frameX = crop.left + u * crop.width()
        val frameY = crop.top + v * crop.height()
        return PointF(offsetX + frameX * scale, offsetY + frameY * scale)
    }
}
