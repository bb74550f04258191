"""``python -m aasist push DIR REPO_ID``: upload a checkpoint folder to the Hugging Face Hub.

Uploads ``config.json``, ``model.safetensors`` and ``README.md`` (the model card) with huggingface_hub's upload API
(``HfApi.create_repo(exist_ok=True)`` then ``upload_folder``). The token is huggingface_hub's (``HF_TOKEN`` or
``hf auth login``), the endpoint ``HF_ENDPOINT`` if set. Errors are one sentence each.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional

from huggingface_hub import HfApi, get_token
from huggingface_hub import constants as hf_constants
from huggingface_hub.utils import HFValidationError, validate_repo_id

from ..text import one_sentence
from .checkpoint import CONFIG_NAME, MODEL_CARD_NAME, MODEL_BUILDERS, WEIGHTS_NAME

UPLOADED_FILES = (CONFIG_NAME, WEIGHTS_NAME, MODEL_CARD_NAME)


class PushError(RuntimeError):
    """Why the folder could not be uploaded, in one sentence."""


def check_checkpoint_folder(folder) -> list:
    """The files of ``folder`` that would be uploaded; PushError when it is not a checkpoint folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PushError(f"{folder} is not a folder.")
    missing = [name for name in (CONFIG_NAME, WEIGHTS_NAME) if not (folder / name).is_file()]
    if missing:
        hint = ""
        if (folder / "best" / CONFIG_NAME).is_file():
            hint = f"; it looks like a training output folder, push {folder / 'best'} instead"
        raise PushError(f"{folder} is not a checkpoint folder: it has no {' and no '.join(missing)}{hint}.")
    try:
        config = json.loads((folder / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PushError(f"{folder / CONFIG_NAME} is not readable JSON ({error}).") from error
    if not isinstance(config, dict) or config.get("architecture") not in MODEL_BUILDERS or not isinstance(
        config.get("model_config"), dict
    ):
        raise PushError(
            f"{folder / CONFIG_NAME} is not a checkpoint config: it needs \"architecture\" "
            f"(one of {', '.join(MODEL_BUILDERS)}) and a \"model_config\" object."
        )
    return [folder / name for name in UPLOADED_FILES if (folder / name).is_file()]


def push(
    folder,
    repo_id: str,
    private: bool = False,
    token: Optional[str] = None,
    revision: Optional[str] = None,
    commit_message: Optional[str] = None,
    dry_run: bool = False,
    api: Optional[HfApi] = None,
) -> dict:
    """Upload the checkpoint folder to ``repo_id`` (created if needed). Returns what was (or would be) uploaded."""
    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        raise PushError(f"{repo_id!r} is not a valid Hub repo id (expected owner/name): {error}") from None
    if "/" not in repo_id:
        raise PushError(f"{repo_id!r} is not a valid Hub repo id: give it as owner/name.")
    files = check_checkpoint_folder(folder)
    endpoint = hf_constants.ENDPOINT
    plan = {
        "repo_id": repo_id,
        "endpoint": endpoint,
        "url": f"{endpoint}/{repo_id}",
        "files": [{"name": f.name, "bytes": f.stat().st_size} for f in files],
        "dry_run": dry_run,
    }
    if dry_run:
        return plan
    token = token or get_token()
    if not token:
        raise PushError("no Hugging Face token: set HF_TOKEN or run `hf auth login` (a token with write access).")
    api = api or HfApi(endpoint=endpoint, token=token)
    try:
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True, token=token)
        commit = api.upload_folder(
            repo_id=repo_id,
            folder_path=str(folder),
            repo_type="model",
            revision=revision,
            allow_patterns=list(UPLOADED_FILES),
            commit_message=commit_message or f"Upload {Path(folder).name} checkpoint",
            token=token,
        )
    except Exception as error:  # huggingface_hub raises HTTP, connection and validation errors of many kinds
        raise PushError(_push_failure(error, repo_id, endpoint)) from error
    plan["commit_url"] = str(getattr(commit, "commit_url", commit))
    return plan


def _push_failure(error: Exception, repo_id: str, endpoint: str) -> str:
    from huggingface_hub.errors import HfHubHTTPError

    if isinstance(error, HfHubHTTPError) and error.response is not None:
        status = error.response.status_code
        if status in (401, 403):
            return (f"the Hub at {endpoint} refused the upload to {repo_id} (HTTP {status}): the token has no "
                    "write access to it.")  # fmt: skip
        return f"uploading to {repo_id} at {endpoint} failed with HTTP status {status}."
    return (f"could not upload to {repo_id} at {endpoint} (is the network up?): {type(error).__name__}: "
            f"{one_sentence(error)}")


def add_push_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "push",
        help="upload a checkpoint folder to the Hugging Face Hub",
        description="Upload a checkpoint folder (config.json, model.safetensors, README.md) to a Hub model repo, "
        "creating it if needed. Uses HF_TOKEN or the token saved by `hf auth login`.",
    )
    p.add_argument("folder", metavar="DIR", help="checkpoint folder, e.g. runs/aasist/best")
    p.add_argument("repo_id", metavar="REPO_ID", help="Hub repo id, owner/name")
    p.add_argument("--private", action="store_true", help="create the repo as private")
    p.add_argument("--revision", default=None, help="branch to push to (default: main)")
    p.add_argument("--message", default=None, help="commit message")
    p.add_argument("--dry-run", action="store_true", help="list what would be uploaded, upload nothing")
    p.set_defaults(handler=run_push)
    return p


def run_push(args: argparse.Namespace) -> int:
    try:
        plan = push(args.folder, args.repo_id, private=args.private, revision=args.revision,
                    commit_message=args.message, dry_run=args.dry_run)  # fmt: skip
    except PushError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    verb = "would upload" if plan["dry_run"] else "uploaded"
    print(f"{verb} to {plan['url']}:")
    for f in plan["files"]:
        print(f"  {f['name']} ({f['bytes']:,} bytes)")
    if "commit_url" in plan:
        print(f"commit: {plan['commit_url']}")
    return 0

