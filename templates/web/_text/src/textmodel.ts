// A text model and its tokenizer: loading both, and feeding encoded tokens to the bound inputs.
import { BINDING } from "./contract";
import { loadRunner, type Runner, type TensorData } from "./runtime";
import { WordPieceTokenizer, exposeTokenizer, type Encoded } from "./tokenizer";

/** The model on `backend` and the WordPiece tokenizer of its vocab.txt, loaded side by side. */
export async function loadTextModel(backend: string): Promise<{ runner: Runner; tokenizer: WordPieceTokenizer }> {
  const vocabUrl = `${import.meta.env.BASE_URL}model/${BINDING.text.vocab_file}`;
  const [runner, tokenizer] = await Promise.all([
    loadRunner(backend), WordPieceTokenizer.load(vocabUrl, BINDING.text.lowercase),
  ]);
  exposeTokenizer(tokenizer);
  return { runner, tokenizer };
}

/** Inputs by tensor key: the ids, and the mask and segment ids when the model takes them. */
export function textInputs(encoded: Encoded): Record<string, TensorData> {
  const shape = [1, BINDING.text.seq_len];
  const inputs: Record<string, TensorData> = { [BINDING.text.ids.key]: { data: encoded.ids, shape } };
  if (BINDING.text.mask) inputs[BINDING.text.mask.key] = { data: encoded.mask, shape };
  if (BINDING.text.segment) inputs[BINDING.text.segment.key] = { data: encoded.types, shape };
  return inputs;
}
