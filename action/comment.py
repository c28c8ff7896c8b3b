#!/usr/bin/env python3
"""Posts debtgate's summary as one pull-request comment and edits it in place on later pushes.

Run by the action after the check (never by the debtgate binary, which stays offline), with:
  INPUT_COMMENT   always | on-failure | never
  EXIT_CODE       debtgate's exit code (0 passed, 1 failed, 2 could not judge)
  SUMMARY_FILE    the Markdown summary debtgate wrote
  GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH

The comment is found again by a hidden marker. When the gate passes again, a comment posted
earlier is rewritten to one line. A token that may not comment (a pull request from a fork)
is a warning: the check's verdict is never changed by the comment.
"""

import json
import os
import re
import sys
import urllib.error
import urllib.request

MARKER = "<!-- debtgate: pull-request summary -->"
# GitHub refuses a comment body over 65,536 characters.
MAX_BODY = 65_000


def warn(message):
    data = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    print(f"::warning title=debtgate comment::{data}")


def pull_request_number():
    if not os.environ.get("GITHUB_EVENT_NAME", "").startswith("pull_request"):
        return None
    try:
        with open(os.environ["GITHUB_EVENT_PATH"], encoding="utf-8") as f:
            number = (json.load(f).get("pull_request") or {}).get("number")
    except (KeyError, OSError, ValueError):
        return None
    return number if isinstance(number, int) and number > 0 else None


class Api:
    def __init__(self, url, repository, token):
        self.url = url.rstrip("/")
        self.repository = repository
        self.token = token

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps({"body": body}).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode() or "null"
        return json.loads(text)

    def existing(self, number):
        """debtgate's earlier comment on the pull request, if any (the first 10 pages)."""
        for page in range(1, 11):
            comments = self.call(
                "GET", f"/repos/{self.repository}/issues/{number}/comments?per_page=100&page={page}"
            )
            for comment in comments or []:
                if MARKER in (comment.get("body") or ""):
                    return comment["id"]
            if not comments or len(comments) < 100:
                return None
        return None


def body_for(passed, summary, head):
    if passed:
        return f"{MARKER}\n✅ debtgate passed at `{head[:12]}`."
    if len(summary) > MAX_BODY:
        summary = summary[:MAX_BODY] + "\n\n… (cut: the step summary has the rest)\n"
    return f"{MARKER}\n{summary}"


def settings():
    """What the comment needs from the environment, or None (with a warning where the workflow
    asked for something that cannot be done)."""
    mode = os.environ.get("INPUT_COMMENT", "on-failure")
    if mode not in ("always", "on-failure", "never"):
        warn(f"comment: {mode[:40]!r} is not always, on-failure or never; no comment posted")
        return None
    number = pull_request_number()
    if mode == "never" or number is None:
        return None
    repository = os.environ.get("GITHUB_REPOSITORY", "")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository):
        warn("GITHUB_REPOSITORY is not owner/name; no comment posted")
        return None
    token = os.environ.get("GITHUB_TOKEN", "")
    if not token:
        warn("no GITHUB_TOKEN (input github-token); no comment posted")
        return None
    return mode, number, repository, token


def read_summary():
    try:
        with open(os.environ.get("SUMMARY_FILE", ""), encoding="utf-8") as f:
            return f.read()
    except OSError:
        return "debtgate wrote no summary: see the job's log."


def publish(api, mode, number, passed):
    existing = api.existing(number)
    if passed and mode == "on-failure" and existing is None:
        return
    body = body_for(passed and mode == "on-failure", read_summary(), os.environ.get("GITHUB_SHA", ""))
    if existing is None:
        api.call("POST", f"/repos/{api.repository}/issues/{number}/comments", body)
        print(f"debtgate: commented on pull request #{number}")
    else:
        api.call("PATCH", f"/repos/{api.repository}/issues/comments/{int(existing)}", body)
        print(f"debtgate: updated its comment on pull request #{number}")


def main():
    wanted = settings()
    if wanted is None:
        return 0
    mode, number, repository, token = wanted
    api = Api(os.environ.get("GITHUB_API_URL", "https://api.github.com"), repository, token)
    try:
        publish(api, mode, number, os.environ.get("EXIT_CODE") == "0")
    except urllib.error.HTTPError as e:
        hint = " (a pull request from a fork gets a read-only token)" if e.code in (403, 404) else ""
        warn(f"could not post the pull-request comment: HTTP {e.code}{hint}; the check's verdict stands")
    except (urllib.error.URLError, OSError, ValueError) as e:
        warn(f"could not post the pull-request comment: {type(e).__name__}; the check's verdict stands")
    return 0


if __name__ == "__main__":
    sys.exit(main())
