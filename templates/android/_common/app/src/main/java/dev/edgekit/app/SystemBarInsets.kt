package dev.edgekit.app

import android.view.View
import androidx.core.view.ViewCompat
import androidx.core.view.WindowInsetsCompat

/**
 * Keeps this view's content clear of the status and navigation bars and the display cutout, and of
 * the on-screen keyboard when [keyboard], by adding them to the padding the layout gave it.
 *
 * Android 15 draws apps that target SDK 35 edge to edge whatever they ask for; the Activity calls
 * enableEdgeToEdge() so that older versions look the same, and pads its root with this. Pass
 * [top] = false for a panel at the bottom of a full-screen camera preview.
 */
fun View.padForSystemBars(keyboard: Boolean = false, top: Boolean = true) {
    val initialLeft = paddingLeft
    val initialTop = paddingTop
    val initialRight = paddingRight
    val initialBottom = paddingBottom
    ViewCompat.setOnApplyWindowInsetsListener(this) { view, insets ->
        var types = WindowInsetsCompat.Type.systemBars() or WindowInsetsCompat.Type.displayCutout()
        if (keyboard) types = types or WindowInsetsCompat.Type.ime()
        val bars = insets.getInsets(types)
        view.setPadding(
            initialLeft + bars.left,
            initialTop + if (top) bars.top else 0,
            initialRight + bars.right,
            initialBottom + bars.bottom,
        )
        WindowInsetsCompat.CONSUMED
    }
}
