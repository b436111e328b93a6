"""The pure parts of corrections: what an edit says, which refusals end a correction, its settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.ops.config import Settings
from bot.push.corrections import CorrectionSettings, render_edit, settled_as
from bot.push.messenger import Failure, SendFailure, classify
from bot.push.render import link_preview, render_push
from bot.texts.en import ENGLISH
from bot.texts.registry import texts_for
from storage.catalog.corrections import CorrectionTarget
from storage.content.channel_voice import ChannelVoice
from tests.bot.push.test_render import AI, SEED, VISION


def target(
    kind: str, *, followed: frozenset[int] = frozenset({AI.id}), **changes: object
) -> CorrectionTarget:
    base = CorrectionTarget(
        delivery_id=1,
        chat_id=42,
        thread_id=0,
        message_id=7,
        message_kind=kind,
        followed=followed,
        image_previews=True,
        language=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_photo_gets_its_caption_rendered_again_with_the_keyboard() -> None:
    edit = render_edit(target("photo"), SEED)
    push = render_push(SEED, frozenset({AI.id}), ENGLISH, as_caption=True)
    assert (edit.caption, edit.html, edit.keyboard, edit.preview) == (True, push.html, push.keyboard, None)
    assert [row[0].text for row in edit.keyboard.inline_keyboard][-1] == "🔕 Mute AI"


def test_a_text_push_keeps_its_form_and_preview() -> None:
    edit = render_edit(target("text", image_previews=False), SEED)
    push = render_push(SEED, frozenset({AI.id}), ENGLISH, as_caption=False)
    assert (edit.caption, edit.html, edit.keyboard) == (False, push.html, push.keyboard)
    assert edit.preview == link_preview(SEED, False) and edit.preview.is_disabled
    assert render_edit(target("text"), SEED).preview == link_preview(SEED, True)


def test_the_keyboard_follows_the_reader_now_and_the_language() -> None:
    several = render_edit(target("photo", followed=frozenset({AI.id, VISION.id})), SEED).keyboard
    assert several.inline_keyboard[-1][0].text == ENGLISH.push_mute_several
    unfollowed = render_edit(target("photo", followed=frozenset()), SEED).keyboard
    assert [row[0].text for row in unfollowed.inline_keyboard if "🔕" in row[0].text] == []
    german = render_edit(target("photo", language="de"), SEED)
    assert german.keyboard.inline_keyboard[0][0].text == texts_for("de").push_read != ENGLISH.push_read


@pytest.mark.parametrize(
    ("error", "kind", "outcome"),
    [
        (
            BadRequest("Message is not modified: specified new message content …"),
            Failure.UNCHANGED,
            "unchanged",
        ),
        (BadRequest("Message to edit not found"), Failure.GONE, "gone"),
        (BadRequest("Message to delete not found"), Failure.GONE, "gone"),
        (BadRequest("Message can't be deleted for everyone"), Failure.GONE, "gone"),
        (BadRequest("Message can't be edited"), Failure.GONE, "gone"),
        (Forbidden("Forbidden: bot was blocked by the user"), Failure.BLOCKED, "gone"),
        (BadRequest("Can't parse entities: unsupported start tag"), Failure.PERMANENT, "failed"),
        (RetryAfter(timedelta(seconds=3)), Failure.RATE_LIMITED, None),
        (NetworkError("Bad Gateway"), Failure.TRANSIENT, None),
    ],
)
def test_which_refusals_end_a_message_and_which_are_tried_again(
    error: Exception, kind: Failure, outcome: str | None
) -> None:
    failure = classify(error, photo=False)  # type: ignore[arg-type]
    assert failure.kind is kind
    assert settled_as(failure) == outcome


def test_a_push_send_is_never_mistaken_for_a_gone_message() -> None:
    # "wrong file identifier" is about a photo; a send never meets the edit/delete refusals.
    failure = classify(BadRequest("Wrong file identifier/http url specified"), photo=True)
    assert failure.kind is Failure.PHOTO_REFUSED
    assert settled_as(SendFailure(Failure.MIGRATED, "upgraded", new_chat_id=-100)) == "failed"


def test_settings_follow_the_push_settings() -> None:
    settings = Settings(
        corrections=True,
        correction_window=timedelta(hours=6),
        telegram_timeout=10.0,
        push_poll_seconds=0.5,
        push_concurrency=4,
        push_max_attempts=3,
    )
    derived = CorrectionSettings.from_settings(settings)
    assert (derived.window, derived.batch, derived.max_attempts, derived.poll_seconds) == (
        timedelta(hours=6),
        4,
        3,
        0.5,
    )
    # Longer than a poll (every sender re-reads the article) and a send that was already in flight.
    assert derived.settle == timedelta(seconds=12)


def test_a_channel_push_is_edited_in_its_voice() -> None:
    voice = ChannelVoice("de", style="text", footer="Mehr & mehr")
    edit = render_edit(target("text", voice=voice, language="de"), SEED, "newsbot_test_bot")
    assert edit.preview == link_preview(SEED, False)  # text style: no preview, whatever image_previews says
    assert edit.html.endswith("\n\nMehr &amp; mehr")
    assert edit.keyboard.inline_keyboard[-1][0].url == "https://t.me/newsbot_test_bot?start=follow-1-ai"
    assert render_edit(target("text", voice=replace(voice, style="preview")), SEED).preview == link_preview(
        SEED, True
    )
