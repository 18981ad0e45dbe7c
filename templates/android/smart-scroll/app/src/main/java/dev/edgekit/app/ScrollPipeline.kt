package dev.edgekit.app

import kotlin.math.ceil
import kotlin.math.ln
import kotlin.math.sqrt

/** A keyword of a section and its TF-IDF score. */
data class Keyword(val term: String, val score: Double)

/** One section of the transcript with its keywords, embedding and how central it is to the whole. */
class Section(val text: String, val encoding: Encoding, val keywords: List<Keyword>, val embedding: DoubleArray, val score: Double)

/** The analysed transcript: its sections and the positions of the key ones, best first. */
class Transcript(val sections: List<Section>, val keySections: List<Int>)

/**
 * Transcript -> sections, TF-IDF keywords, embeddings and key sections, exactly as edgekit's
 * reference (golden/text_scroll.py) computes them.
 */
class ScrollPipeline(
    private val runner: ModelRunner,
    private val tokenizer: WordPieceTokenizer,
    private val stopWords: Set<String>,
) : AutoCloseable {
    val backend: Backend get() = runner.backend

    fun analyse(transcript: String): Transcript {
        val texts = splitSections(transcript)
        val keywords = keywords(texts.map { terms(it, stopWords) })
        val encodings = texts.map { tokenizer.encode(tokenizer.tokenize(it), Binding.SEQ_LEN) }
        val embeddings = encodings.map { embed(it) }
        val scores = centrality(embeddings)
        val sections = texts.indices.map { Section(texts[it], encodings[it], keywords[it], embeddings[it], scores[it]) }
        return Transcript(sections, keySections(scores))
    }

    override fun close() = runner.close()

    /** The L2-normalised embedding of one encoded section (mean over the mask for per-token outputs). */
    fun embed(encoding: Encoding): DoubleArray {
        TextModel.write(runner, encoding)
        runner.run()
        val output = runner.readFloat(Binding.EMBEDDING)
        val vector = if (Binding.EMBEDDING_POOLED) {
            DoubleArray(Binding.EMBEDDING_DIM) { output[it].toDouble() }
        } else {
            val used = encoding.mask.sum().toDouble()
            DoubleArray(Binding.EMBEDDING_DIM) { d ->
                var total = 0.0
                for (t in encoding.mask.indices) total += output[t * Binding.EMBEDDING_DIM + d] * encoding.mask[t]
                total / maxOf(used, 1e-9)
            }
        }
        val norm = maxOf(sqrt(vector.sumOf { it * it }), 1e-12)
        return DoubleArray(vector.size) { vector[it] / norm }
    }

    companion object {
        const val SENTENCES_PER_SECTION = 4
        const val MIN_TERM_CHARS = 3
        const val KEYWORDS_PER_SECTION = 3
        const val KEY_FRACTION = 0.25
        private val PARAGRAPH_BREAK = Regex("\r?\n[ \t]*\r?\n")
        private val SENTENCE_BREAK = Regex("(?<=[.!?])[ \t\r\n]+")
        private const val TRIM = " \t\r\n"

        /** Paragraphs at blank lines; a single paragraph is cut into groups of sentences instead. */
        fun splitSections(transcript: String): List<String> {
            val paragraphs = trimmed(transcript.split(PARAGRAPH_BREAK))
            if (paragraphs.size != 1) return paragraphs
            val sentences = trimmed(paragraphs[0].split(SENTENCE_BREAK))
            return sentences.chunked(SENTENCES_PER_SECTION).map { it.joinToString(" ") }
        }

        /** Lowercased runs of letters and digits, at least MIN_TERM_CHARS long, not all digits, not stop words. */
        fun terms(section: String, stop: Set<String>): List<String> {
            val found = mutableListOf<String>()
            val current = StringBuilder()
            fun flush() {
                if (current.isNotEmpty()) found.add(current.toString())
                current.setLength(0)
            }
            section.lowercase(java.util.Locale.ROOT).codePoints().forEach { code ->
                if (isLetter(code) || isNumber(code)) current.appendCodePoint(code) else flush()
            }
            flush()
            return found.filter { term ->
                term.codePointCount(0, term.length) >= MIN_TERM_CHARS && term !in stop &&
                    !term.codePoints().allMatch { isNumber(it) }
            }
        }

        /** Each section's best KEYWORDS_PER_SECTION terms by tf * idf, score descending then term. */
        fun keywords(sectionsTerms: List<List<String>>): List<List<Keyword>> {
            val total = sectionsTerms.size
            val documentFrequency = sectionsTerms.flatMap { it.toSet() }.groupingBy { it }.eachCount()
            return sectionsTerms.map { section ->
                section.groupingBy { it }.eachCount().map { (term, count) ->
                    val idf = ln((1.0 + total) / (1.0 + documentFrequency.getValue(term))) + 1.0
                    Keyword(term, count.toDouble() / section.size * idf)
                }.sortedWith(compareByDescending<Keyword> { it.score }.thenComparator { a, b -> codePointOrder(a.term, b.term) })
                    .take(KEYWORDS_PER_SECTION)
            }
        }

        /** Cosine similarity of each (normalised) embedding to the mean of all; 0 when the mean is 0. */
        fun centrality(embeddings: List<DoubleArray>): List<Double> {
            val dim = embeddings.first().size
            val mean = DoubleArray(dim) { d -> embeddings.sumOf { it[d] } / embeddings.size }
            val norm = sqrt(mean.sumOf { it * it })
            if (norm == 0.0) return List(embeddings.size) { 0.0 }
            return embeddings.map { row -> row.indices.sumOf { row[it] * mean[it] } / norm }
        }

        /** Positions of the ceil(N * KEY_FRACTION) best scores, best first; ties to the earlier section. */
        fun keySections(scores: List<Double>): List<Int> {
            val count = ceil(scores.size * KEY_FRACTION).toInt()
            return scores.indices.sortedWith(compareByDescending<Int> { scores[it] }.thenBy { it }).take(count)
        }

        /** One word a line; blank lines and lines starting with # are skipped. */
        fun parseStopWords(text: String): Set<String> =
            text.split("\n").map { it.trim { c -> c in TRIM } }.filter { it.isNotEmpty() && !it.startsWith("#") }.toSet()

        private fun trimmed(parts: List<String>): List<String> =
            parts.map { it.trim { c -> c in TRIM } }.filter { it.isNotEmpty() }

        private fun codePointOrder(a: String, b: String): Int {
            val x = a.codePoints().toArray()
            val y = b.codePoints().toArray()
            for (i in 0 until minOf(x.size, y.size)) if (x[i] != y[i]) return x[i].compareTo(y[i])
            return x.size.compareTo(y.size)
        }

        private fun isLetter(code: Int): Boolean = when (Character.getType(code)) {
            Character.UPPERCASE_LETTER.toInt(), Character.LOWERCASE_LETTER.toInt(), Character.TITLECASE_LETTER.toInt(),
            Character.MODIFIER_LETTER.toInt(), Character.OTHER_LETTER.toInt() -> true
            else -> false
        }

        private fun isNumber(code: Int): Boolean = when (Character.getType(code)) {
            Character.DECIMAL_DIGIT_NUMBER.toInt(), Character.LETTER_NUMBER.toInt(), Character.OTHER_NUMBER.toInt() -> true
            else -> false
        }
    }
}
