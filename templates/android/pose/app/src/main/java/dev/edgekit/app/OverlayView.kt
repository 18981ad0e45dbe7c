package dev.edgekit.app

import android.content.Context
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.util.AttributeSet
import android.view.View

/** Draws the skeleton of the latest frame over the camera preview. */
class OverlayView(context: Context, attrs: AttributeSet?) : View(context, attrs) {
    private var keypoints: FrameResult = emptyList()
    private var mapping: FrameMapping? = null
    private val bone = Paint().apply { color = Color.CYAN; strokeWidth = 6f; isAntiAlias = true }
    private val joint = Paint().apply { color = Color.YELLOW; style = Paint.Style.FILL; isAntiAlias = true }

    /** Shows [result]; [frame] says where the model's input sits in the preview. */
    fun show(result: FrameResult, frame: FrameMapping) {
        keypoints = result
        mapping = frame
        invalidate()
    }

    override fun onDraw(canvas: Canvas) {
        super.onDraw(canvas)
        val frame = mapping ?: return
        val points = keypoints.map { frame.toView(it.x, it.y, width, height) }
        for ((a, b) in Binding.SKELETON) {
            if (keypoints[a].score >= MIN_SCORE && keypoints[b].score >= MIN_SCORE) {
                canvas.drawLine(points[a].x, points[a].y, points[b].x, points[b].y, bone)
            }
        }
        keypoints.forEachIndexed { i, keypoint ->
            if (keypoint.score >= MIN_SCORE) canvas.drawCircle(points[i].x, points[i].y, 8f, joint)
        }
    }

    private companion object {
        const val MIN_SCORE = 0.5f
    }
}
