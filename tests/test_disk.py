"""The stat of content folders: the folder memo gives what listing the folder gives, in every case."""

from __future__ import annotations

import os
import time
from pathlib import Path

from kowp_site.site import disk

OLD = time.time_ns() - 3600 * 1_000_000_000  # an hour ago: well before the racy window


def folder_with(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "posts" / "2026" / "08" / "post"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_", ".")).write_text(text, encoding="utf-8")
    os.utime(folder, ns=(OLD, OLD))
    return folder


def memo_of(tmp_path: Path) -> disk.FolderMemo:
    return disk.FolderMemo(tmp_path / "cache" / disk.FOLDERS_FILE)


def listed_by_memo(tmp_path: Path, folder: Path) -> disk.Signature:
    memo = memo_of(tmp_path)
    found = memo.signature(str(folder))
    memo.save()
    return found


def test_an_unchanged_folder_is_statted_from_its_kept_names_and_an_edit_in_place_is_seen(tmp_path, monkeypatch):
    folder = folder_with(tmp_path, en_md="en", ko_md="ko")
    assert listed_by_memo(tmp_path, folder) == disk.signature(folder)  # listed, and kept
    listed: list[str] = []
    real = disk.signature
    monkeypatch.setattr(disk, "signature", lambda path: listed.append(str(path)) or real(path))
    (folder / "ko.md").write_text("한국어 번역을 고쳤습니다", encoding="utf-8")  # in place: the folder keeps its mtime
    os.utime(folder, ns=(OLD, OLD))
    found = listed_by_memo(tmp_path, folder)
    assert listed == [] and found == real(folder)
    assert dict((name, size) for name, size, *_ in found)["ko.md"] == len("한국어 번역을 고쳤습니다".encode())


def test_a_file_added_or_removed_changes_the_folder_and_it_is_listed_again(tmp_path):
    folder = folder_with(tmp_path, en_md="en", ko_md="ko")
    listed_by_memo(tmp_path, folder)
    (folder / "photo.png").write_bytes(b"\x89PNG")
    assert [name for name, *_ in listed_by_memo(tmp_path, folder)] == ["en.md", "ko.md", "photo.png"]
    (folder / "photo.png").unlink()
    assert [name for name, *_ in listed_by_memo(tmp_path, folder)] == ["en.md", "ko.md"]


def test_a_folder_changed_just_now_is_not_kept(tmp_path):
    """Within the racy window a file added in the same clock tick would leave the mtime as it was."""
    folder = folder_with(tmp_path, en_md="en")
    os.utime(folder)  # now
    memo = memo_of(tmp_path)
    memo.signature(str(folder))
    assert str(folder) not in memo.known
    os.utime(folder, ns=(OLD, OLD))
    memo = memo_of(tmp_path)
    memo.signature(str(folder))
    assert memo.known[str(folder)] == (OLD, folder.stat().st_ino, ("en.md",))


def test_a_known_file_gone_with_the_folder_mtime_put_back_is_listed_not_trusted(tmp_path):
    folder = folder_with(tmp_path, en_md="en", ko_md="ko")
    listed_by_memo(tmp_path, folder)
    (folder / "ko.md").unlink()
    os.utime(folder, ns=(OLD, OLD))  # as a restore tool might leave it
    assert listed_by_memo(tmp_path, folder) == disk.signature(folder)
    assert [name for name, *_ in disk.signature(folder)] == ["en.md"]


def test_a_damaged_memo_lists_every_folder_and_is_written_again(tmp_path):
    folder = folder_with(tmp_path, en_md="en")
    path = tmp_path / "cache" / disk.FOLDERS_FILE
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    assert listed_by_memo(tmp_path, folder) == disk.signature(folder)
    assert memo_of(tmp_path).known == {str(folder): (OLD, folder.stat().st_ino, ("en.md",))}


def test_the_memo_is_written_only_when_it_changed_and_forgets_folders_not_asked_for(tmp_path):
    folder = folder_with(tmp_path, en_md="en")
    other = tmp_path / "other"
    other.mkdir()
    os.utime(other, ns=(OLD, OLD))
    memo = memo_of(tmp_path)
    memo.signature(str(folder))
    memo.signature(str(other))
    memo.save()
    path = tmp_path / "cache" / disk.FOLDERS_FILE
    written = path.stat().st_mtime_ns, path.stat().st_ino
    memo = memo_of(tmp_path)
    memo.signature(str(folder))
    memo.signature(str(other))
    memo.save()
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == written  # nothing new: not rewritten
    memo = memo_of(tmp_path)
    memo.signature(str(folder))
    memo.save()  # "other" was removed from the site
    assert set(memo_of(tmp_path).known) == {str(folder)}


def test_a_folder_that_is_gone_has_no_files(tmp_path):
    memo = memo_of(tmp_path)
    assert memo.signature(str(tmp_path / "missing")) == ()
