"""Write the kustomization that deploys one image digest to one environment.

    python deploy/release.py staging <registry>/<owner>/mlproject-serve sha256:<64 hex>
    kubectl apply -k deploy/kubernetes/release/staging

The overlays pin the image to a placeholder digest of zeros, which pulls nothing. A release is
a small kustomization on top of an overlay that sets the real name and digest (kustomize's
`images`), so what runs is exactly the image CD built and pushed, never a moving tag. Rolling
back is running this again with the previous digest. Standard library only: CD runs it before
any environment is set up. `--canary-digest` gives production's canary another version.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
IMAGE = re.compile(r"^[a-z0-9]+([._/-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$")
PLACEHOLDERS = {"stable": "mlproject-serve", "canary": "mlproject-serve-canary"}


def kustomization(
    environment: str, image: str, digest: str, canary_digest: str | None, folder: Path
) -> str:
    """The release kustomization's text: the overlay (relative to `folder`), the image by digest."""
    overlay = os.path.relpath(HERE / "kubernetes" / "overlays" / environment, folder)
    lines = [
        f"# Written by deploy/release.py: {environment} runs {image}@{digest}.",
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        "resources:",
        f"  - {Path(overlay).as_posix()}",
        "images:",
        f"  - name: {PLACEHOLDERS['stable']}",
        f"    newName: {image}",
        f"    digest: {digest}",
    ]
    if environment == "production":
        lines += [
            f"  - name: {PLACEHOLDERS['canary']}",
            f"    newName: {image}",
            f"    digest: {canary_digest or digest}",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "environment",
        choices=sorted(p.name for p in (HERE / "kubernetes" / "overlays").iterdir() if p.is_dir()),
    )
    parser.add_argument("image", help="repository of the image, without tag or digest")
    parser.add_argument("digest", help="sha256:<64 hex digits>, as the registry reported it")
    parser.add_argument("--canary-digest", help="production only: the canary's version")
    parser.add_argument(
        "--output",
        type=Path,
        help="folder to write into (default: deploy/kubernetes/release/<environment>)",
    )
    args = parser.parse_args(argv)
    for digest in filter(None, [args.digest, args.canary_digest]):
        if not DIGEST.match(digest):
            parser.error(f"{digest!r} is not a digest (sha256: and 64 hex digits).")
    if not IMAGE.match(args.image):
        parser.error(f"{args.image!r} is not an image name in lower case without tag or digest.")
    if args.canary_digest and args.environment != "production":
        parser.error("only production has a canary.")
    folder = (args.output or HERE / "kubernetes" / "release" / args.environment).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    text = kustomization(args.environment, args.image, args.digest, args.canary_digest, folder)
    (folder / "kustomization.yaml").write_text(text)
    print(f"wrote {folder / 'kustomization.yaml'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
