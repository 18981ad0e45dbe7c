package dev.edgekit.app

import java.text.Normalizer
import java.util.Locale

/** One word piece: its vocabulary id and the [start, end) code points of the original text it covers. */
data class Piece(val text: String, val id: Int, val start: Int, val end: Int)

/** Model inputs of one sequence (each SEQ_LEN long) and the pieces that survived truncation. */
class Encoding(val ids: IntArray, val mask: IntArray, val segments: IntArray, val first: List<Piece>, val second: List<Piece>) {
    /** Position of the second part's first piece (after `[CLS] first [SEP]`). */
    val secondOffset: Int get() = first.size + 2
}

/**
 * BERT's WordPiece tokenizer driven by the bundled vocab.txt (one token per line, id = line number),
 * with the same rules, in the same order, as edgekit's reference (golden/text_common.py):
 * drop NUL, U+FFFD and control characters; whitespace becomes a space; CJK ideographs get a space
 * on each side; for uncased vocabularies NFD, drop combining marks, lowercase the whole string;
 * split on spaces, U+2028 and U+2029, every punctuation character a word of its own; greedy
 * longest-match pieces with "##" continuations, "[UNK]" for a word over 100 code points or with
 * no match. Every piece keeps the code-point span of the original text it came from.
 */
class WordPieceTokenizer(private val vocab: Map<String, Int>, private val lowercase: Boolean) {
    val padId = idOf("[PAD]")
    val unkId = idOf("[UNK]")
    val clsId = idOf("[CLS]")
    val sepId = idOf("[SEP]")

    /** Word pieces of [text], without special tokens. */
    fun tokenize(text: String): List<Piece> = words(normalized(text)).flatMap { pieces(it) }

    /** `[CLS] first [SEP]` or `[CLS] first [SEP] second [SEP]`, truncated longest-first, padded to [seqLen]. */
    fun encode(first: List<Piece>, seqLen: Int, second: List<Piece>? = null): Encoding {
        val budget = seqLen - if (second == null) 2 else 3
        require(budget >= 0) { "sequence length $seqLen leaves no room for the special tokens" }
        val a = first.toMutableList()
        val b = second?.toMutableList()
        if (b == null) {
            while (a.size > budget) a.removeAt(a.lastIndex)
        } else {
            while (a.size + b.size > budget) {
                if (a.size > b.size) a.removeAt(a.lastIndex) else b.removeAt(b.lastIndex)
            }
        }
        val ids = mutableListOf(clsId).apply { addAll(a.map { it.id }); add(sepId) }
        val types = MutableList(ids.size) { 0 }
        if (b != null) {
            ids.addAll(b.map { it.id })
            ids.add(sepId)
            while (types.size < ids.size) types.add(1)
        }
        val used = ids.size
        return Encoding(
            ids = IntArray(seqLen) { if (it < used) ids[it] else padId },
            mask = IntArray(seqLen) { if (it < used) 1 else 0 },
            segments = IntArray(seqLen) { if (it < used) types[it] else 0 },
            first = a,
            second = b ?: emptyList(),
        )
    }

    private fun idOf(token: String): Int =
        vocab[token] ?: throw IllegalArgumentException("vocabulary lacks the special token $token")

    /** A normalised code point and the index of the original code point it came from. */
    private class Char32(val code: Int, val offset: Int)

    private fun normalized(text: String): List<Char32> {
        val chars = mutableListOf<Char32>()
        text.codePoints().toArray().forEachIndexed { offset, code ->
            when {
                code == 0 || code == 0xFFFD || isControl(code) -> Unit
                isWhitespace(code) -> chars.add(Char32(' '.code, offset))
                isCjk(code) -> {
                    chars.add(Char32(' '.code, offset))
                    chars.add(Char32(code, offset))
                    chars.add(Char32(' '.code, offset))
                }
                else -> chars.add(Char32(code, offset))
            }
        }
        if (!lowercase) return chars
        val stripped = mutableListOf<Char32>()
        for (char in chars) {
            Normalizer.normalize(String(Character.toChars(char.code)), Normalizer.Form.NFD).codePoints().forEach { part ->
                if (Character.getType(part) != Character.NON_SPACING_MARK.toInt()) stripped.add(Char32(part, char.offset))
            }
        }
        // Lowercase the whole string (Greek final sigma depends on its neighbours) and give each
        // original character the slice its own lowercase form takes.
        val whole = StringBuilder().apply { stripped.forEach { appendCodePoint(it.code) } }.toString()
        val lowered = whole.lowercase(Locale.ROOT).codePoints().toArray()
        val out = mutableListOf<Char32>()
        var position = 0
        for (char in stripped) {
            val width = String(Character.toChars(char.code)).lowercase(Locale.ROOT).codePointCount()
            for (i in position until minOf(position + width, lowered.size)) out.add(Char32(lowered[i], char.offset))
            position += width
        }
        return out
    }

    private fun String.codePointCount(): Int = codePointCount(0, length)

    private fun words(chars: List<Char32>): List<List<Char32>> {
        val words = mutableListOf<List<Char32>>()
        var current = mutableListOf<Char32>()
        for (char in chars) {
            val split = char.code == ' '.code || char.code == 0x2028 || char.code == 0x2029
            if (split || isPunctuation(char.code)) {
                if (current.isNotEmpty()) words.add(current)
                current = mutableListOf()
                if (!split) words.add(listOf(char))
            } else {
                current.add(char)
            }
        }
        if (current.isNotEmpty()) words.add(current)
        return words
    }

    private fun pieces(word: List<Char32>): List<Piece> {
        val whole = Piece("[UNK]", unkId, word.first().offset, word.last().offset + 1)
        if (word.size > MAX_WORD_CHARS) return listOf(whole)
        val codes = IntArray(word.size) { word[it].code }
        val pieces = mutableListOf<Piece>()
        var start = 0
        while (start < codes.size) {
            var end = codes.size
            var match: String? = null
            while (end > start) {
                val candidate = (if (start == 0) "" else "##") + String(codes, start, end - start)
                if (candidate in vocab) {
                    match = candidate
                    break
                }
                end -= 1
            }
            if (match == null) return listOf(whole)
            pieces.add(Piece(match, vocab.getValue(match), word[start].offset, word[end - 1].offset + 1))
            start = end
        }
        return pieces
    }

    companion object {
        private const val MAX_WORD_CHARS = 100

        /** A tokenizer for vocab.txt's lines (id = line number). */
        fun fromLines(lines: List<String>, lowercase: Boolean): WordPieceTokenizer =
            WordPieceTokenizer(lines.withIndex().associate { (index, token) -> token to index }, lowercase)

        /** The text of [text] between code points [start] and [end]. */
        fun slice(text: String, start: Int, end: Int): String =
            text.substring(text.offsetByCodePoints(0, start), text.offsetByCodePoints(0, end))

        private fun isWhitespace(code: Int): Boolean =
            code == ' '.code || code == '\t'.code || code == '\n'.code || code == '\r'.code ||
                Character.getType(code) == Character.SPACE_SEPARATOR.toInt()

        private fun isControl(code: Int): Boolean {
            if (code == '\t'.code || code == '\n'.code || code == '\r'.code) return false
            return when (Character.getType(code)) {
                Character.CONTROL.toInt(), Character.FORMAT.toInt(), Character.PRIVATE_USE.toInt(),
                Character.SURROGATE.toInt(), Character.UNASSIGNED.toInt() -> true
                else -> false
            }
        }

        private fun isPunctuation(code: Int): Boolean {
            // BERT counts every non-alphanumeric ASCII symbol ($, +, ^, ...) as punctuation.
            if (code in 33..47 || code in 58..64 || code in 91..96 || code in 123..126) return true
            return when (Character.getType(code)) {
                Character.CONNECTOR_PUNCTUATION.toInt(), Character.DASH_PUNCTUATION.toInt(),
                Character.START_PUNCTUATION.toInt(), Character.END_PUNCTUATION.toInt(),
                Character.INITIAL_QUOTE_PUNCTUATION.toInt(), Character.FINAL_QUOTE_PUNCTUATION.toInt(),
                Character.OTHER_PUNCTUATION.toInt() -> true
                else -> false
            }
        }

        private val CJK = listOf(
            0x4E00..0x9FFF, 0x3400..0x4DBF, 0x20000..0x2A6DF, 0x2A700..0x2B73F, 0x2B740..0x2B81F,
            0x2B820..0x2CEAF, 0xF900..0xFAFF, 0x2F800..0x2FA1F,
        )

        private fun isCjk(code: Int): Boolean = CJK.any { code in it }
    }
}
