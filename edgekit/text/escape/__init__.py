"""One escaping function per kind of generated text: the only way data reaches an output.

Everything edgekit writes as text (HTML reports, Markdown summaries, JUnit XML, the code and
resources of scaffolded apps) may carry names that came from data: model and file names, tensor
names, merge labels, host names, variant names. Those are attacker-controlled (see the README's
threat model), so each sink has exactly one function that makes a value inert there:

- :mod:`edgekit.text.escape.html`: HTML text and attributes, and the page's Content-Security-Policy;
- :mod:`edgekit.text.escape.markdown`: Markdown text (table cells included) and code spans;
- :mod:`edgekit.text.escape.xml`: XML 1.0 text (JUnit) and Android string resources;
- :mod:`edgekit.text.escape.code`: JSON, TypeScript/JavaScript string and template literals, Kotlin strings.

Call sites never format data into markup themselves.
"""
