"""Missing, wrong, stale and replayed signatures get a 401 and nothing is done; Slack's own
retries (signed again) still get through; the record of seen signatures is shared and bounded."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from bot.slack_gate import TOLERANCE, SlackGate
from sandbox import payloads
from sandbox.signing import SlackRequester, sign
from storage import seen_requests
from storage.seen_requests import SeenRequestStore, replay_record_engine
from tests import reporting
from tests.e2e.conftest import prepare_database
from tests.e2e.harness import SIGNING_SECRET, AppProcess, base_env, wait_until
from tests.hardening.support import BA, FORM, READER, Stack, rows

PRODUCT = "Power BI Pro"  # /settle with it opens a modal: the visible effect of an accepted request


def _command(stack: Stack) -> payloads.Payload:
    trigger = stack.fake.issue_trigger_id(BA)
    url = stack.fake.issue_response_url(BA, "C0BILLING1")
    return payloads.slash_command(text=PRODUCT, user_id=BA, channel_id="C0BILLING1", trigger_id=trigger,
                                  response_url=url)  # fmt: skip


def _bad_headers(body: bytes) -> dict[str, dict[str, str]]:
    now = int(time.time())
    good = sign(SIGNING_SECRET, body, now)
    return {
        "no headers": {"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""},
        "no signature": {**good, "X-Slack-Signature": ""},
        "no timestamp": {**good, "X-Slack-Request-Timestamp": ""},
        "zero signature": {**good, "X-Slack-Signature": "v0=" + "0" * 64},
        "another body's signature": sign(SIGNING_SECRET, body + b"&x=1", now),
        "another secret": sign("not-the-signing-secret", body, now),
        "stale by 6 minutes": sign(SIGNING_SECRET, body, now - 6 * 60),
        "6 minutes in the future": sign(SIGNING_SECRET, body, now + 6 * 60),
        "signature for another time": {**sign(SIGNING_SECRET, body, now - 1), "X-Slack-Request-Timestamp": str(now)},
        "upper-case hex": {**good, "X-Slack-Signature": good["X-Slack-Signature"].upper().replace("V0=", "v0=")},
        "v1 scheme": {**good, "X-Slack-Signature": good["X-Slack-Signature"].replace("v0=", "v1=")},
        "truncated signature": {**good, "X-Slack-Signature": good["X-Slack-Signature"][:-1]},
        "timestamp not a number": {**good, "X-Slack-Request-Timestamp": "12e9"},
        "negative timestamp": {**good, "X-Slack-Request-Timestamp": "-1"},
        "huge timestamp": {**good, "X-Slack-Request-Timestamp": "9" * 40},
        "superscript digits": {**good, "X-Slack-Request-Timestamp": "²" * 10},
    }  # fmt: skip


def test_missing_wrong_or_stale_signatures_get_401_and_nothing_is_done(stack: Stack) -> None:
    command = _command(stack)
    body = command.body()
    before, calls = rows(stack.db.engine, frozenset()), len(stack.fake.calls)
    refused = {name: stack.post(body, FORM, headers=h).status for name, h in _bad_headers(body).items()}
    assert refused == dict.fromkeys(refused, 401)
    time.sleep(0.3)
    assert len(stack.fake.calls) == calls and rows(stack.db.engine, frozenset()) == before
    log = stack.app.log
    assert PRODUCT not in log and "v0=" not in log and SIGNING_SECRET not in log
    assert stack.post(body, FORM).status == 200  # the control: signed properly, it opens the modal
    wait_until(lambda: stack.fake.calls_to("views.open", ok=True))
    reporting.record("bad signatures refused (401)", requests=len(refused) + 1, processes=1, faults=len(refused),
                     charges=0)  # fmt: skip


def test_a_replay_is_refused_and_slacks_retries_of_a_handled_event_are_acked_but_not_handled(stack: Stack) -> None:
    event = payloads.app_home_opened(user_id=READER)
    body, first_time = event.body(), int(time.time()) - 1
    headers = sign(SIGNING_SECRET, body, first_time)
    published = len(stack.fake.calls_to("views.publish"))
    assert stack.post(body, "application/json", headers=headers).status == 200
    wait_until(lambda: len(stack.fake.calls_to("views.publish")) == published + 1)
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    answers = [
        stack.post(body, "application/json", headers=headers).status,  # a replay
        stack.post(body, "application/json", headers={**headers, **retry}).status,  # Slack's retry, same signature
        stack.post(body, "application/json", headers={**sign(SIGNING_SECRET, body), **retry}).status,  # re-signed
        stack.post(body, "application/json", headers=sign(SIGNING_SECRET, body, first_time - 1)).status,
    ]
    assert answers == [401, 200, 200, 200]
    time.sleep(0.5)
    assert len(stack.fake.calls_to("views.publish")) == published + 1  # handled once
    assert headers["X-Slack-Signature"][3:] not in stack.app.log
    reporting.record("replayed request refused (401)", requests=2, processes=1, faults=1, charges=0)
    reporting.record("Slack's retries of a handled event acked, not handled", requests=4, processes=1, faults=3,
                     charges=0)  # fmt: skip


@pytest.fixture(scope="module")
def second_process(stack: Stack) -> Iterator[AppProcess]:
    with AppProcess(base_env(stack.database_url, stack.fake.url)) as process:
        yield process
        assert "Traceback" not in process.log, process.log


def test_a_request_accepted_by_one_process_is_refused_as_a_replay_by_another(
    stack: Stack, second_process: AppProcess
) -> None:
    other = SlackRequester(second_process.url, SIGNING_SECRET)
    for first, then in ((stack.requester, other), (other, stack.requester)):
        body = payloads.app_home_opened(user_id=READER).body()
        headers = sign(SIGNING_SECRET, body)
        assert first.post(body, "application/json", headers).status == 200
        assert then.post(body, "application/json", headers).status == 401
    reporting.record("replay to another process refused", requests=4, processes=2, faults=2, charges=0)


@pytest.mark.postgres
def test_on_postgresql_a_replay_to_another_process_is_refused(stack: Stack, pg_database: str) -> None:
    prepare_database(pg_database)
    env = base_env(pg_database, stack.fake.url)
    with AppProcess(env) as one, AppProcess(env) as two:
        body = payloads.app_home_opened(user_id=READER).body()
        headers = sign(SIGNING_SECRET, body)
        first = SlackRequester(one.url, SIGNING_SECRET).post(body, "application/json", headers)
        again = SlackRequester(two.url, SIGNING_SECRET).post(body, "application/json", headers)
        assert (first.status, again.status) == (200, 401)
        assert "Traceback" not in one.log + two.log
    reporting.record("replay to another process refused (PostgreSQL)", requests=2, processes=2, faults=1, charges=0)


class _Seen:
    def __init__(self) -> None:
        self.keys: set[str] = set()

    def first_sighting(self, signature: str, expires_at: dt.datetime, now: dt.datetime) -> bool:
        fresh = signature not in self.keys
        self.keys.add(signature)
        return fresh

    def first_sightings(self, keys: list[tuple[str, dt.datetime]], now: dt.datetime) -> list[bool]:
        return [self.first_sighting(key, expires_at, now) for key, expires_at in keys]

    def forget(self, key: str) -> None:
        self.keys.discard(key)


@pytest.mark.parametrize(("age", "status"), [(0, None), (TOLERANCE, None), (TOLERANCE + 1, 401),
                                             (-TOLERANCE, None), (-TOLERANCE - 1, 401)])  # fmt: skip
def test_a_signature_is_good_for_five_minutes_either_side_of_its_timestamp(age: int, status: int | None) -> None:
    now = 1_800_000_000
    body = payloads.app_home_opened(user_id=READER).body()
    headers = {k.lower(): v for k, v in sign(SIGNING_SECRET, body, now - age).items()}
    gate = SlackGate(SIGNING_SECRET, _Seen(), clock=lambda: float(now))
    refusal = gate.refusal(headers, body, "application/json")
    assert (refusal.status if refusal else None) == status


def test_a_replay_to_a_host_whose_clock_is_behind_is_refused_after_another_host_purged(engine: Engine) -> None:
    """Host A accepts a request; a minute after it went stale on A's clock, A purges its record.
    Host B's clock is four minutes behind, so the same signature is still fresh there: B must
    still find it recorded (kept for twice the freshness window), and refuse the replay."""
    signed_at = int(time.time())
    body = payloads.app_home_opened(user_id=READER).body()
    headers = {k.lower(): v for k, v in sign(SIGNING_SECRET, body, signed_at).items()}
    host_a = SlackGate(SIGNING_SECRET, SeenRequestStore(engine), clock=lambda: float(signed_at))
    assert host_a.refusal(headers, body, "application/json") is None
    later = signed_at + TOLERANCE + 60  # the real time from now on
    purger = SlackGate(SIGNING_SECRET, SeenRequestStore(engine), clock=lambda: float(later))  # its first write purges
    other = payloads.app_home_opened(user_id=BA).body()
    assert purger.refusal({k.lower(): v for k, v in sign(SIGNING_SECRET, other, later).items()}, other,
                          "application/json") is None  # fmt: skip
    host_b = SlackGate(SIGNING_SECRET, SeenRequestStore(engine), clock=lambda: float(later - 240))
    refusal = host_b.refusal(headers, body, "application/json")
    assert refusal is not None and refusal.reason.startswith("replayed request")


def test_the_record_of_seen_signatures_forgets_them_once_they_are_stale(engine: Engine) -> None:
    now, store = dt.datetime.now(dt.UTC), SeenRequestStore(engine)
    for n in range(50):
        assert store.first_sighting(f"v0=old{n}", now - dt.timedelta(seconds=1), now)
    assert store.count() == 50
    restarted = SeenRequestStore(engine)  # its first write purges what has expired
    assert restarted.first_sighting("v0=new", now + dt.timedelta(minutes=5), now)
    assert store.count() == 1  # (on SQLite and PostgreSQL: the backends are the engine fixture's params)
    assert not restarted.first_sighting("v0=new", now + dt.timedelta(minutes=5), now)


def test_of_racing_deliveries_of_one_signature_exactly_one_is_accepted(engine: Engine) -> None:
    store = SeenRequestStore(engine)
    now = dt.datetime.now(dt.UTC)
    results: list[bool] = []
    start = threading.Barrier(8)

    def deliver() -> None:
        start.wait()
        results.append(store.first_sighting("v0=same", now + dt.timedelta(minutes=5), now))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_concurrent_deliveries_share_commits_and_each_gets_its_own_answer(engine: Engine) -> None:
    """Group commit: 64 deliveries at once (32 signatures, each twice) take fewer INSERTs than
    deliveries, and exactly one delivery of each signature is accepted."""
    store = SeenRequestStore(engine)
    now = dt.datetime.now(dt.UTC)
    results: dict[str, list[bool]] = {f"v0=sig{n}": [] for n in range(32)}
    start = threading.Barrier(64)

    def deliver(signature: str) -> None:
        start.wait()
        results[signature].append(store.first_sighting(signature, now + dt.timedelta(minutes=5), now))

    threads = [threading.Thread(target=deliver, args=(s,)) for s in results for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(sorted(answers) == [False, True] for answers in results.values()), results
    assert 1 <= store.batches < 64


def _sqlite_record(tmp_path: Path) -> tuple[Engine, Path]:
    main = create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    return replay_record_engine(main), tmp_path / "app.db-requests"


def test_recording_a_request_never_checkpoints_the_sqlite_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkpoint copies pages into the file and syncs it (hundreds of ms on a busy disk):
    not on the ack path. With the background checkpoints put off, 1,500 writes (several times
    SQLite's 1,000-page automatic checkpoint) leave every page in the WAL."""
    monkeypatch.setattr(seen_requests, "CHECKPOINT_EVERY", 10**9)
    monkeypatch.setattr(seen_requests._Checkpointer, "request", lambda self: None)  # nor when idle
    sidecar, path = _sqlite_record(tmp_path)
    store, now = SeenRequestStore(sidecar), dt.datetime.now(dt.UTC)
    size = path.stat().st_size
    for n in range(1500):
        assert store.first_sighting(f"v0=sig{n}", now + dt.timedelta(minutes=5), now)
    assert path.stat().st_size == size
    assert Path(f"{path}-wal").stat().st_size > 1000 * 4096
    assert store.checkpointer is not None and store.checkpointer.done == 0
    sidecar.dispose()


def test_the_sqlite_record_is_checkpointed_on_a_thread_of_its_own(tmp_path: Path) -> None:
    sidecar, path = _sqlite_record(tmp_path)
    store, now = SeenRequestStore(sidecar), dt.datetime.now(dt.UTC)
    size = path.stat().st_size
    for n in range(seen_requests.CHECKPOINT_EVERY * 3):
        assert store.first_sighting(f"v0=sig{n}", now + dt.timedelta(minutes=5), now)
    assert store.checkpointer is not None
    wait_until(lambda: store.checkpointer is not None and store.checkpointer.done >= 1, timeout=10)
    assert path.stat().st_size > size  # the records reached the database file
    assert not store.first_sighting("v0=sig0", now + dt.timedelta(minutes=5), now)  # and are still seen
    sidecar.dispose()


def test_a_writer_that_never_pauses_still_keeps_the_sqlite_record_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The WAL starts over only when a checkpoint caught up between two writes; a writer that
    never pauses checkpoints once itself when the thread reports the WAL past its limit."""
    monkeypatch.setattr(seen_requests, "CHECKPOINT_EVERY", 8)
    monkeypatch.setattr(seen_requests, "WAL_FRAMES_LIMIT", 200)
    assert _wal_after_3000_writes(tmp_path) < 16 * 2**20


def test_a_writer_whose_checkpoint_thread_never_runs_still_keeps_the_sqlite_record_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a busy machine the checkpoint thread may not run, and then never reports the WAL's
    size: after STARVED_AFTER of its turns without a checkpoint the writer makes one itself."""
    monkeypatch.setattr(seen_requests, "CHECKPOINT_EVERY", 8)
    monkeypatch.setattr(seen_requests._Checkpointer, "_loop", lambda self: None)  # a starved thread
    assert _wal_after_3000_writes(tmp_path) < 2 * 2**20


def _wal_after_3000_writes(tmp_path: Path) -> int:
    """The bytes of the record's WAL after 3,000 writes that never pause (all of them kept)."""
    sidecar, path = _sqlite_record(tmp_path)
    store, now = SeenRequestStore(sidecar), dt.datetime.now(dt.UTC)
    try:
        for n in range(3000):  # unchecked: 45 MB of WAL
            assert store.first_sighting(f"v0=sig{n}", now + dt.timedelta(minutes=5), now)
        assert store.count() == 3000
        return Path(f"{path}-wal").stat().st_size
    finally:
        sidecar.dispose()


def test_a_damaged_sqlite_record_is_started_anew(tmp_path: Path) -> None:
    (tmp_path / "app.db-requests").write_bytes(b"SQLite format 3\x00" + b"\xff" * 8192)  # a torn file
    sidecar, _ = _sqlite_record(tmp_path)
    store, now = SeenRequestStore(sidecar), dt.datetime.now(dt.UTC)
    assert store.first_sighting("v0=after", now + dt.timedelta(minutes=5), now)
    assert not store.first_sighting("v0=after", now + dt.timedelta(minutes=5), now)
    sidecar.dispose()
