"""The stage scripts and every module they import, uploaded as workspace files.

Each file is a Terraform asset named by its content hash and carries its md5, so changing a
file re-uploads exactly that file.
"""

from __future__ import annotations

import hashlib
import re

from cdktn import AssetType, TerraformAsset
from cdktn_provider_databricks.workspace_file import WorkspaceFile
from constructs import Construct

from infra.closure import ROOT, Closure


class WorkspaceFiles(Construct):
    def __init__(self, scope: Construct, id_: str, *, root: str, files: Closure) -> None:
        super().__init__(scope, id_)
        self.root = root
        self.files: dict[str, WorkspaceFile] = {}
        for relative in files.files:
            path = ROOT / relative
            key = re.sub(r"[^A-Za-z0-9_.-]", "_", relative)
            asset = TerraformAsset(self, f"asset-{key}", path=str(path), type=AssetType.FILE)
            self.files[relative] = WorkspaceFile(
                self,
                f"file-{key}",
                path=f"{root}/{relative}",
                source=asset.path,
                md5=hashlib.md5(path.read_bytes()).hexdigest(),
            )

    def path(self, relative: str) -> str:
        return f"{self.root}/{relative}"
