package dev.edgekit.app

/** The chosen answer span: token positions in the sequence (inclusive) and start + end logit. */
data class Span(val start: Int, val end: Int, val score: Double)

/** An answer, where it came from, and the logits behind it. */
class Answer(val text: String, val span: Span, val encoding: Encoding, val startLogits: FloatArray, val endLogits: FloatArray)

/**
 * Question + passage -> answer, exactly as edgekit's reference (golden/text_qa.py): encode
 * `[CLS] question [SEP] passage [SEP]`, run, pick the best passage span, cut it from the passage.
 */
class QaPipeline(private val runner: ModelRunner, private val tokenizer: WordPieceTokenizer) : AutoCloseable {
    val backend: Backend get() = runner.backend

    fun answer(question: String, passage: String): Answer {
        val encoding = tokenizer.encode(tokenizer.tokenize(question), Binding.SEQ_LEN, tokenizer.tokenize(passage))
        TextModel.write(runner, encoding)
        runner.run()
        val (start, end) = logits()
        val first = encoding.secondOffset
        val last = first + encoding.second.size - 1
        val span = bestSpan(start, end, first, last, Binding.MAX_ANSWER_LEN)
        val text = WordPieceTokenizer.slice(passage, encoding.second[span.start - first].start,
            encoding.second[span.end - first].end)
        return Answer(text, span, encoding, start, end)
    }

    override fun close() = runner.close()

    private fun logits(): Pair<FloatArray, FloatArray> {
        if (!Binding.SPAN_COMBINED) return runner.readFloat(Binding.SPAN_START) to runner.readFloat(Binding.SPAN_END)
        val both = runner.readFloat(Binding.SPAN_START)  // [1, L, 2]: start, end per token
        return FloatArray(both.size / 2) { both[2 * it] } to FloatArray(both.size / 2) { both[2 * it + 1] }
    }

    companion object {
        /**
         * The span (s, e) within [first]..[last] with the largest start[s] + end[e] (in double),
         * s <= e, e - s + 1 <= [maxLen]; ties go to the smaller s, then the smaller e.
         */
        fun bestSpan(start: FloatArray, end: FloatArray, first: Int, last: Int, maxLen: Int): Span {
            require(last >= first) { "no passage tokens to answer from (positions $first..$last)" }
            var best: Span? = null
            for (s in first..last) {
                for (e in s..minOf(last, s + maxLen - 1)) {
                    val score = start[s].toDouble() + end[e].toDouble()
                    if (best == null || score > best.score) best = Span(s, e, score)
                }
            }
            return best!!
        }
    }
}
