// Smart scroll page: a transcript in sections, each section's keywords as chapter marks along the
// scrollbar (click to jump), the key sections marked.
import "./style.css";
import "./app.css";
import { APP, GOLDEN } from "./contract";
import { exposeHarness, median } from "./harness";
import { chooseBackend, element, goldenText, modelLabel, showError } from "./page";
import { ScrollPipeline, RULES, parseStopWords, type ScrollResult } from "./pipeline";
import STOP_WORDS from "./stopwords.txt?raw";
import { loadTextModel } from "./textmodel";

const transcriptField = element<HTMLTextAreaElement>("transcript");
const sectionsView = element<HTMLElement>("sections");
const rail = element<HTMLElement>("rail");
const fileInput = element<HTMLInputElement>("file");
const exampleButton = element<HTMLButtonElement>("example");
const analyseButton = element<HTMLButtonElement>("analyse");
const status = element<HTMLElement>("status");
const latencyText = element<HTMLElement>("latency");
element<HTMLElement>("model").textContent = modelLabel();

const backend = chooseBackend(element<HTMLSelectElement>("backend"));
const stopWords = parseStopWords(STOP_WORDS);
const samples: number[] = [];
let pipeline: ScrollPipeline | null = null;
let shown: { result: ScrollResult; articles: HTMLElement[] } | null = null;
const thumb = Object.assign(document.createElement("div"), { className: "thumb" });
sectionsView.addEventListener("scroll", moveThumb, { passive: true });

function renderSections(result: ScrollResult): HTMLElement[] {
  const keys = new Set(result.keySections);
  const articles = result.sections.map((section, i) => {
    const article = document.createElement("article");
    article.className = keys.has(i) ? "section key" : "section";
    article.id = `section-${i + 1}`;
    const head = document.createElement("header");
    if (keys.has(i)) head.append(Object.assign(document.createElement("span"), { className: "badge", textContent: "★ key section" }));
    for (const keyword of section.keywords) {
      head.append(Object.assign(document.createElement("span"), {
        className: "chip", textContent: keyword.term, title: `TF-IDF ${keyword.score.toFixed(3)}` }));
    }
    head.append(Object.assign(document.createElement("span"), {
      className: "score", textContent: `similarity to the whole ${section.score.toFixed(3)}` }));
    article.append(head, Object.assign(document.createElement("p"), { textContent: section.text }));
    return article;
  });
  sectionsView.replaceChildren(...articles);
  return articles;
}

/** One mark per section at its position in the scrollable text, labelled with its best keyword. */
function renderRail(result: ScrollResult, articles: HTMLElement[]): void {
  const keys = new Set(result.keySections);
  const height = Math.max(sectionsView.scrollHeight, 1);
  const marks = articles.map((article, i) => {
    const mark = document.createElement("button");
    const words = result.sections[i].keywords.map((k) => k.term);
    mark.className = keys.has(i) ? "mark key" : "mark";
    // .sections is positioned, so offsetTop is already measured from the top of the scrolled text.
    mark.style.top = `${(100 * article.offsetTop) / height}%`;
    mark.textContent = `${keys.has(i) ? "★ " : ""}${words[0] ?? `§${i + 1}`}`;
    mark.title = `Section ${i + 1}: ${words.join(", ") || "no keywords"}`;
    mark.addEventListener("click", () => article.scrollIntoView({ behavior: "smooth", block: "start" }));
    return mark;
  });
  rail.replaceChildren(thumb, ...marks);
  moveThumb();
}

/** The part of the text in view, drawn on the rail like a scrollbar thumb. */
function moveThumb(): void {
  const height = Math.max(sectionsView.scrollHeight, 1);
  thumb.style.top = `${(100 * sectionsView.scrollTop) / height}%`;
  thumb.style.height = `${(100 * sectionsView.clientHeight) / height}%`;
}

async function analyse(): Promise<void> {
  if (!pipeline) return;
  const start = performance.now();
  const result = await pipeline.run(transcriptField.value);
  samples.push(performance.now() - start);
  shown = { result, articles: renderSections(result) };
  renderRail(result, shown.articles);
  const dropped = result.sections.filter((s) => s.droppedPieces > 0).length;
  status.textContent = `${result.sections.length} sections, ${result.keySections.length} key` +
    (dropped ? `; ${dropped} section(s) longer than the model reads were embedded from their start` : "");
  status.classList.remove("error");
  latencyText.textContent = `${samples[samples.length - 1].toFixed(1)} ms (median ${median(samples).toFixed(1)} ms ` +
    `over ${samples.length})`;
}

async function loadExample(): Promise<void> {
  transcriptField.value = await goldenText(GOLDEN.input);
  await analyse();
}

const report = (error: unknown) => showError(status, error);
analyseButton.addEventListener("click", () => analyse().catch(report));
exampleButton.addEventListener("click", () => loadExample().catch(report));
fileInput.addEventListener("change", async () => {
  const file = fileInput.files?.[0];
  if (!file) return;
  transcriptField.value = await file.text();
  await analyse().catch(report);
});
window.addEventListener("resize", () => shown && renderRail(shown.result, shown.articles));

const harness = exposeHarness<string, ScrollResult>({
  app: APP.name,
  async start() {
    status.textContent = `Loading the model on ${backend}…`;
    const { runner, tokenizer } = await loadTextModel(backend);
    pipeline = new ScrollPipeline(runner, tokenizer, stopWords);
    element<HTMLElement>("runtime").textContent = runner.detail;
    await loadExample(); // the first inferences also warm the runtime up
    return { backend: runner.backend, detail: runner.detail };
  },
  loadGoldenInput: () => goldenText(GOLDEN.input),
  run: (transcript) => pipeline!.run(transcript),
  toJSON: (result) => ({
    rules: RULES,
    sections: result.sections.map((s) => ({
      text: s.text, input_ids: Array.from(s.ids), keywords: s.keywords, score: s.score, embedding: Array.from(s.embedding),
    })),
    key_sections: result.keySections,
  }),
});
harness.ready.then(() => {
  for (const control of [fileInput, exampleButton, analyseButton]) control.disabled = false;
}, report);
