// Question answering page: paste a passage, ask, see the answer highlighted in the passage.
import "./style.css";
import "./app.css";
import { APP, BINDING, GOLDEN } from "./contract";
import { exposeHarness, median } from "./harness";
import { chooseBackend, element, goldenText, modelLabel, showError } from "./page";
import { QaPipeline, type QaInput, type QaResult } from "./pipeline";
import { loadTextModel } from "./textmodel";

const passageField = element<HTMLTextAreaElement>("passage");
const questionField = element<HTMLInputElement>("question");
const askButton = element<HTMLButtonElement>("ask");
const exampleButton = element<HTMLButtonElement>("example");
const answerText = element<HTMLElement>("answer");
const notice = element<HTMLElement>("notice");
const passageView = element<HTMLElement>("passage-view");
const status = element<HTMLElement>("status");
const latencyText = element<HTMLElement>("latency");
element<HTMLElement>("model").textContent = modelLabel();

const backend = chooseBackend(element<HTMLSelectElement>("backend"));
const samples: number[] = [];
let pipeline: QaPipeline | null = null;

async function loadExample(): Promise<QaInput> {
  return JSON.parse(await goldenText(GOLDEN.input)) as QaInput;
}

function show(input: QaInput, result: QaResult): void {
  answerText.textContent = result.answer;
  passageView.replaceChildren(
    document.createTextNode(input.passage.slice(0, result.answerStart)),
    Object.assign(document.createElement("mark"), { textContent: result.answer }),
    document.createTextNode(input.passage.slice(result.answerEnd)),
  );
  passageView.querySelector("mark")?.scrollIntoView({ block: "nearest" });
  notice.hidden = result.droppedPieces === 0;
  notice.textContent = `The passage is longer than the model reads (${BINDING.text.seq_len} tokens with the ` +
    `question); its last ${result.droppedPieces} word pieces were not searched.`;
  status.textContent = `Best span: tokens ${result.span.start}–${result.span.end}, score ${result.span.score.toFixed(3)}`;
  status.classList.remove("error");
}

async function ask(): Promise<void> {
  if (!pipeline) return;
  const input = { question: questionField.value, passage: passageField.value };
  if (!input.question.trim() || !input.passage.trim()) {
    status.textContent = "Enter a passage and a question.";
    return;
  }
  const start = performance.now();
  const result = await pipeline.run(input);
  samples.push(performance.now() - start);
  show(input, result);
  latencyText.textContent = `${samples[samples.length - 1].toFixed(1)} ms (median ${median(samples).toFixed(1)} ms ` +
    `over ${samples.length})`;
}

async function fillExample(): Promise<void> {
  const example = await loadExample();
  passageField.value = example.passage;
  questionField.value = example.question;
  await ask();
}

element<HTMLFormElement>("ask-form").addEventListener("submit", (event) => {
  event.preventDefault();
  ask().catch((error) => showError(status, error));
});
exampleButton.addEventListener("click", () => fillExample().catch((error) => showError(status, error)));

const harness = exposeHarness<QaInput, QaResult>({
  app: APP.name,
  async start() {
    status.textContent = `Loading the model on ${backend}…`;
    const { runner, tokenizer } = await loadTextModel(backend);
    pipeline = new QaPipeline(runner, tokenizer);
    element<HTMLElement>("runtime").textContent = runner.detail;
    await fillExample(); // the first inference also warms the runtime up
    return { backend: runner.backend, detail: runner.detail };
  },
  loadGoldenInput: loadExample,
  run: (input) => pipeline!.run(input),
  toJSON: (result) => ({
    input_ids: Array.from(result.encoded.ids),
    attention_mask: Array.from(result.encoded.mask),
    token_type_ids: Array.from(result.encoded.types),
    passage_tokens: [result.encoded.secondOffset, result.encoded.secondOffset + result.encoded.second.length - 1],
    start_logits: Array.from(result.startLogits),
    end_logits: Array.from(result.endLogits),
    span: result.span,
    answer: result.answer,
  }),
});
harness.ready.then(() => {
  askButton.disabled = false;
  exampleButton.disabled = false;
}, (error) => showError(status, error));
