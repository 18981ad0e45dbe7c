"""The task registry: everything edgekit knows about one kind of starter app, in one entry.

A task says what an app does with a model: which roles it binds (``bind``: contract + options ->
named roles), how its golden vectors are computed (``golden``), which template folders it renders,
whether its Android app uses the camera and whether it reads text or images. The app list, the
golden step, rendering, the validators, the templates (through the Jinja context) and the CLI help
all read these entries, so adding a task is one template folder plus one :func:`register_task` call.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgekit.errors import EdgekitError
from edgekit.scaffold import binding as b
from edgekit.scaffold.contract import ModelContract

__all__ = ["Task", "Binder", "GoldenMaker", "ROLE_TYPES", "MODALITIES", "register_task", "unregister_task",
           "tasks", "get_task"]

Binder = Callable[[str, ModelContract, b.BindOptions], dict[str, Any]]
GoldenMaker = Callable[[ModelContract, dict[str, Any], Path], dict[str, Any]]

#: Role name -> the TypeScript interface that describes it in the web apps' ``src/contract.ts``.
#: The Android ``ModelContract.kt`` has one block per role; a new role needs both.
ROLE_TYPES = {"image": "ImageBinding", "keypoints": "KeypointBinding", "mask": "MaskBinding",
              "text": "TextBinding", "span": "SpanBinding", "embedding": "EmbeddingBinding"}
MODALITIES = ("text", "vision")


@dataclass(frozen=True)
class Task:
    """One kind of app: what it needs from a model, how to bind and check it, where its templates are.

    ``templates`` is a folder holding one subfolder per platform (``web/``, ``android/``) with the
    task's own files; None means edgekit's templates (``templates/<platform>/<name>``). ``groups``
    are shared template folders of edgekit's (``_text``) rendered before the task's own.
    """

    name: str
    title: str
    needs: str  # one line for ``scaffold --list``
    roles: tuple[str, ...]  # the keys ``bind`` returns, in order
    bind: Binder
    golden: GoldenMaker
    modality: str  # "text" or "vision"
    camera: bool = False  # the Android app reads frames from the camera (permission + CameraX)
    groups: tuple[str, ...] = ()
    templates: Path | None = None
    #: Where to find a model when no zoo model serves the task (``scaffold --list`` says it).
    bring: str = ""

    def __post_init__(self) -> None:
        if self.modality not in MODALITIES:
            raise EdgekitError(f"task {self.name!r}: modality {self.modality!r} is not one of "
                               f"{', '.join(MODALITIES)}")
        unknown = [role for role in self.roles if role not in ROLE_TYPES]
        if unknown:
            raise EdgekitError(f"task {self.name!r}: role {unknown[0]!r} has no template support; "
                               f"roles: {', '.join(ROLE_TYPES)}")

    def to_dict(self) -> dict[str, Any]:
        """The facts templates may use (``app.camera``, ``app.role_types``, ...)."""
        return {"task": self.name, "title": self.title, "modality": self.modality, "camera": self.camera,
                "roles": list(self.roles), "role_types": {role: ROLE_TYPES[role] for role in self.roles}}


def _golden_module(module: str) -> GoldenMaker:
    """``make_golden`` of ``edgekit.scaffold.golden.<module>``, imported on first use (numpy, tokenizers)."""
    def make_golden(contract: ModelContract, binding: dict[str, Any], dest: Path) -> dict[str, Any]:
        maker = importlib.import_module(f"edgekit.scaffold.golden.{module}").make_golden
        return maker(contract, binding, dest)

    make_golden.__qualname__ = f"golden.{module}.make_golden"
    return make_golden


def _bind_pose(app: str, contract: ModelContract, options: b.BindOptions) -> dict[str, Any]:
    image = b.bind_image_input(app, contract, options)
    return {"image": image, "keypoints": b.bind_keypoints(app, contract, image, options)}


def _bind_bodypix(app: str, contract: ModelContract, options: b.BindOptions) -> dict[str, Any]:
    image = b.bind_image_input(app, contract, options)
    return {"image": image, "mask": b.bind_mask(app, contract, image, options)}


def _bind_qa(app: str, contract: ModelContract, options: b.BindOptions) -> dict[str, Any]:
    text = b.bind_text_inputs(app, contract, options)
    return {"text": text, "span": b.bind_span_outputs(app, contract, text, options)}


def _bind_smart_scroll(app: str, contract: ModelContract, options: b.BindOptions) -> dict[str, Any]:
    text = b.bind_text_inputs(app, contract, options)
    return {"text": text, "embedding": b.bind_embedding(app, contract, text, options)}


_BUILTIN = (
    Task("qa", "Question answering",
         "int32 token inputs [1, L] (ids; mask and segment ids optional) + vocab.txt; "
         "start/end logits [1, L]",
         roles=("text", "span"), bind=_bind_qa, golden=_golden_module("text_qa"), modality="text",
         groups=("_text",),
         bring="bring a SQuAD-tuned BERT whose outputs are start and end logits [1, L]: e.g. TensorFlow "
               "Lite's MobileBERT question-answering model (SQuAD 1.1; tfhub.dev/tensorflow/lite-model/"
               "mobilebert/1/metadata/1, now on Kaggle Models as tensorflow/mobilebert, TFLite); its "
               "vocab.txt is inside the .tflite, a zip file: unzip it beside the model or pass --vocab"),
    Task("smart-scroll", "Smart scroll",
         "int32 token inputs [1, L] + vocab.txt; a text embedding [1, D] (or [1, L, D])",
         roles=("text", "embedding"), bind=_bind_smart_scroll, golden=_golden_module("text_scroll"),
         modality="text", groups=("_text",)),
    Task("pose", "Pose",
         "image input [1, H, W, 3]; keypoints (e.g. [1, 1, 17, 3] or [1, 195] with --keypoints 33x5)",
         roles=("image", "keypoints"), bind=_bind_pose, golden=_golden_module("vision_pose"),
         modality="vision", camera=True, groups=("_vision",)),
    Task("bodypix", "Body segmentation", "image input [1, H, W, 3]; person mask [1, H, W, 1 or 2]",
         roles=("image", "mask"), bind=_bind_bodypix, golden=_golden_module("vision_mask"), modality="vision",
         camera=True, groups=("_vision",)),
)
_registry: dict[str, Task] = {task.name: task for task in _BUILTIN}


def register_task(task: Task) -> Task:
    """Add ``task`` to the registry (after the built-in ones); EdgekitError if its name is taken."""
    if task.name in _registry:
        raise EdgekitError(f"a scaffold task named {task.name!r} is already registered; pick another name")
    _registry[task.name] = task
    return task


def unregister_task(name: str) -> None:
    """Remove a task added with :func:`register_task`; edgekit's own tasks stay."""
    if name in {task.name for task in _BUILTIN}:
        raise EdgekitError(f"{name!r} is one of edgekit's own scaffold tasks and cannot be removed")
    _registry.pop(name, None)


def tasks() -> tuple[Task, ...]:
    """Every registered task, edgekit's own first, then in registration order."""
    return tuple(_registry.values())


def get_task(name: str) -> Task:
    """The task called ``name``; KeyError when there is none (apps.get_app gives the user-facing error)."""
    return _registry[name]
