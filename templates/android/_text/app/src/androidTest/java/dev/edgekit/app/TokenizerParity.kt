package dev.edgekit.app

import org.json.JSONObject
import org.junit.Assert.assertArrayEquals

/** The Kotlin tokenizer must give edgekit's ids on every golden tokenizer case, exactly. */
object TokenizerParity {
    fun check(tokenizer: WordPieceTokenizer, expected: JSONObject) {
        val cases = expected.getJSONArray("tokenizer_cases")
        for (i in 0 until cases.length()) {
            val case = cases.getJSONObject(i)
            val text = case.getString("text")
            val ids = tokenizer.tokenize(text).map { it.id }.toIntArray()
            assertArrayEquals("token ids of \"$text\"", GoldenFiles.ints(case.getJSONArray("ids")), ids)
        }
    }
}
