package dev.edgekit.app

import android.content.Context

/** The bundled vocabulary's tokenizer and the token inputs of the model, as [Binding] names them. */
object TextModel {
    /** The WordPiece tokenizer for the vocab.txt bundled beside the model. */
    fun tokenizer(context: Context): WordPieceTokenizer {
        val lines = context.assets.open(Binding.VOCAB_FILE).bufferedReader(Charsets.UTF_8).use { it.readLines() }
        return WordPieceTokenizer.fromLines(lines, Binding.LOWERCASE)
    }

    /** Writes ids, and the mask and segment ids when the model takes them. */
    fun write(runner: ModelRunner, encoding: Encoding) {
        runner.writeInt(Binding.TOKEN_IDS, encoding.ids)
        Binding.ATTENTION_MASK?.let { runner.writeInt(it, encoding.mask) }
        Binding.SEGMENT_IDS?.let { runner.writeInt(it, encoding.segments) }
    }
}
