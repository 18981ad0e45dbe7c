package dev.edgekit.app

import android.content.Context
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.util.AttributeSet
import android.view.MotionEvent
import android.view.View

/**
 * A scrollbar for the transcript: a thumb for the visible part and one mark per key section,
 * labelled with its best keyword. Touching the bar scrolls there.
 */
class KeywordScrollbar(context: Context, attrs: AttributeSet?) : View(context, attrs) {
    /** A mark at [fraction] (0 top .. 1 bottom of the transcript) with a short [label]. */
    data class Mark(val fraction: Float, val label: String)

    private var marks: List<Mark> = emptyList()
    private var thumbTop = 0f
    private var thumbSize = 1f
    private val track = Paint().apply { color = Color.LTGRAY }
    private val thumb = Paint().apply { color = Color.DKGRAY }
    private val mark = Paint().apply { color = Color.rgb(230, 120, 0); strokeWidth = 8f }
    private val text = Paint().apply { color = Color.rgb(230, 120, 0); textSize = 28f; isAntiAlias = true; textAlign = Paint.Align.RIGHT }

    /** Called with 0..1 when the user touches the bar. */
    var onSeek: ((Float) -> Unit)? = null

    fun setMarks(newMarks: List<Mark>) {
        marks = newMarks
        invalidate()
    }

    /** The visible part of the transcript: top and size as fractions of its height. */
    fun setViewport(top: Float, size: Float) {
        thumbTop = top
        thumbSize = size
        invalidate()
    }

    override fun onDraw(canvas: Canvas) {
        super.onDraw(canvas)
        val barLeft = width - BAR_WIDTH
        canvas.drawRect(barLeft, 0f, width.toFloat(), height.toFloat(), track)
        canvas.drawRect(barLeft, thumbTop * height, width.toFloat(), (thumbTop + thumbSize) * height, thumb)
        for (m in marks) {
            val y = m.fraction * height
            canvas.drawLine(barLeft - 12f, y, width.toFloat(), y, mark)
            canvas.drawText(m.label, barLeft - 16f, y + 10f, text)
        }
    }

    override fun onTouchEvent(event: MotionEvent): Boolean {
        if (event.action == MotionEvent.ACTION_DOWN || event.action == MotionEvent.ACTION_MOVE) {
            onSeek?.invoke((event.y / height).coerceIn(0f, 1f))
            return true
        }
        return super.onTouchEvent(event)
    }

    private companion object {
        const val BAR_WIDTH = 24f
    }
}
