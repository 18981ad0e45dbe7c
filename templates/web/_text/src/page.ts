// The page parts both text apps share: element lookup, the backend picker, the status line.
import { BINDING, MODEL } from "./contract";
import { requestedBackend } from "./harness";
import { BACKENDS } from "./runtime";

export function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html lacks #${id}`);
  return found as T;
}

/** The backend from the page URL (`?backend=`), else the runtime's first; fills the picker. */
export function chooseBackend(picker: HTMLSelectElement): string {
  const backend = requestedBackend() ?? BACKENDS[0];
  for (const name of BACKENDS) picker.add(new Option(name, name, name === backend, name === backend));
  picker.disabled = BACKENDS.length < 2;
  picker.addEventListener("change", () => {
    const url = new URL(window.location.href);
    url.searchParams.set("backend", picker.value);
    window.location.assign(url.toString()); // a clean page per backend: runtimes do not unload
  });
  return backend;
}

/** Shows `error` in the status line (and the console). */
export function showError(status: HTMLElement, error: unknown): void {
  status.textContent = `Error: ${error instanceof Error ? error.message : String(error)}`;
  status.classList.add("error");
  console.error(error);
}

/** The model's name for the header. */
export function modelLabel(): string {
  const file = MODEL.file === MODEL.displayName ? "" : `${MODEL.file}, `;
  return `${MODEL.displayName} (${file}${BINDING.text.seq_len} tokens)`;
}

/** Fetches a golden file as text (not timed by the self-test). */
export async function goldenText(name: string): Promise<string> {
  const url = `${import.meta.env.BASE_URL}golden/${name}`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  return response.text();
}
