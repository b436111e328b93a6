"""The German catalogue: every field of ``Texts``, addressing the reader with "du" as German apps do.

tests/bot/texts/test_texts.py fails when a field is left in English, or when a translation loses a placeholder, an
HTML tag or a /command of the English string. Words the bot parses (``all``, ``exclude``, ``off`` …) stay English.
"""

from __future__ import annotations

from bot.texts.en import Texts

GERMAN = Texts(
    welcome=(
        "👋 <b>Willkommen beim News Bot!</b>\n"
        "Ich schicke dir die Nachrichten der Themen, denen du folgst, sobald sie erscheinen.\n\n"
        "Tippe unten auf ein Thema, um ihm zu folgen, oder schreib /help, um alles zu sehen, was ich kann."
    ),
    welcome_back=(
        "👋 <b>Willkommen zurück!</b> Deine Themen sind so, wie du sie verlassen hast: "
        "Tippe unten auf eins, um es zu ändern."
    ),
    help_header="<b>Was ich kann</b>",
    help_footer=(
        "Bei Themennamen ist Groß- und Kleinschreibung egal: <code>/subscribe ai, space</code> funktioniert."
    ),
    command_descriptions=(
        ("start", "Begrüßung und Themenauswahl"),
        ("topics", "die Themen auswählen, denen du folgst"),
        ("subscribe", "Themen folgen: /subscribe AI, Space"),
        ("unsubscribe", "Themen entfolgen, einzeln oder alle"),
        ("mytopics", "die Themen, denen du folgst"),
        ("latest", "neueste Artikel: /latest [Anzahl] [Thema]"),
        ("search", "Artikel finden: /search Wörter"),
        ("settings", "Qualität, Vorschauen, Benachrichtigungen und Sprache"),
        ("stop", "alles löschen, was ich über diesen Chat speichere"),
        ("help", "was ich kann"),
        ("stats", "Bot-Statistik (Betreiber)"),
        ("reload", "den Inhaltsordner neu einlesen (Betreiber)"),
        ("withdraw_confirm", "zurückgehaltene Rückzüge bestätigen (Betreiber)"),
        ("filter", "Stichwortfilter: /filter exclude Krypto"),
        ("timezone", "deine Zeitzone: /timezone Europe/Berlin"),
        ("quiet", "Ruhezeiten: /quiet 22:00-07:00"),
        ("digest", "stattdessen eine Nachricht am Tag: /digest 08:00"),
        ("share", "ein Link, der einem Thema folgt: /share AI"),
    ),
    unknown_command="Diesen Befehl kenne ich nicht. Schreib /help, um zu sehen, was ich kann.",
    plain_text="Ich verstehe nur Befehle. Probier /topics, um Themen auszuwählen, oder /help für die Liste.",
    slow_down="⏳ Etwas langsamer bitte: In einer Minute antworte ich wieder.",
    unavailable="⚠️ Ich bin vorübergehend nicht verfügbar. Bitte versuche es in einer Minute noch einmal.",
    topics_header="<b>Themen</b> — tippe, um zu folgen oder zu entfolgen ({followed} abonniert).",
    topics_empty="Noch gibt es keine Themen, weil noch keine Artikel da sind. Schau später wieder vorbei.",
    topics_page="Seite {page} von {pages}",
    toast_subscribed="{topic} abonniert",
    toast_unsubscribed="{topic} abbestellt",
    toast_stale="Diese Schaltfläche ist abgelaufen. Bitte sende den Befehl noch einmal.",
    toast_topic_gone="Dieses Thema gibt es nicht mehr.",
    subscribe_usage="Tippe auf ein Thema, um ihm zu folgen, oder schreib <code>/subscribe AI, Space</code>.",
    unsubscribe_usage=(
        "Tippe auf ein Thema, um ihm nicht mehr zu folgen, oder schreib <code>/unsubscribe AI</code> "
        "oder <code>/unsubscribe all</code>."
    ),
    subscribed="✅ {topics} abonniert.",
    already_subscribed="Du folgst {topics} bereits.",
    unsubscribed="{topics} abbestellt.",
    unsubscribed_all="Du folgst keinem Thema mehr. Mit /topics wählst du neue aus.",
    not_subscribed="Du folgst {topics} nicht.",
    unknown_topic="Das Thema „{name}“ kenne ich nicht.",
    did_you_mean="Meintest du {suggestions}?",
    quoted_name="„{name}“",
    no_topics_followed="Du folgst noch keinem Thema. Tippe auf /topics, um welche auszuwählen.",
    mytopics_header="<b>Deine Themen</b> — tippe auf eins, um ihm nicht mehr zu folgen.",
    latest_header="<b>Neueste Nachrichten</b>",
    latest_topic_header="<b>Das Neueste zu {topic}</b>",
    latest_empty="Noch keine Artikel. Neue erscheinen hier, sobald sie veröffentlicht werden.",
    latest_usage=(
        "So geht’s: <code>/latest [Anzahl] [Thema]</code>, zum Beispiel <code>/latest 10 AI</code>."
    ),
    search_usage="So geht’s: <code>/search Wörter</code>, zum Beispiel <code>/search Gesichtserkennung</code>.",
    search_header="<b>Ergebnisse für „{query}“</b>",
    search_empty="Keine Treffer für „{query}“.",
    settings_header=(
        "<b>Einstellungen</b> — tippe zum Ändern.\n"
        "Qualität: alle Artikel, oder nur die bessere Hälfte oder das beste Viertel jedes Themas, dem du folgst, "
        "so wie ihre Quellen sie bewerten."
    ),
    setting_quality_all="Alle Artikel",
    setting_quality_half="Beste Hälfte",
    setting_quality_quarter="Bestes Viertel",
    setting_previews="Bildvorschau: {value}",
    setting_silent="Lautlose Benachrichtigungen: {value}",
    on="an",
    off="aus",
    toast_saved="Gespeichert",
    setting_language_auto="🌐 Automatisch",
    language_name="Deutsch",
    stop_confirm=(
        "Damit löschst du alles, was ich über diesen Chat speichere: deine Themen, Einstellungen und "
        "den Zustellverlauf. Bist du sicher?"
    ),
    stop_yes="Ja, alles löschen",
    stop_no="Nein, behalten",
    stop_done=(
        "Erledigt: Alles über diesen Chat ist gelöscht. Schick /start, falls du irgendwann zurückkommen möchtest."
    ),
    stop_cancelled="Es wurde nichts gelöscht.",
    stats_header="<b>Bot-Statistik</b>",
    stats_chats="Chats: {active} aktiv, {blocked} blockiert",
    stats_articles="Artikel: {live} veröffentlicht",
    stats_deliveries=(
        "Zustellungen heute: {sent} gesendet, {failed} fehlgeschlagen ({failed_total} insgesamt fehlgeschlagen)"
    ),
    stats_last_failure="Letzter Fehler: {error}",
    stats_per_topic="<b>Abos pro Thema</b>",
    reload_done="Inhaltsordner eingelesen: {summary}",
    reload_busy="Dieser Prozess beobachtet den Inhaltsordner nicht.",
    withdraw_done="Rückzug bestätigt: {withdrawn} Artikel zurückgezogen. Inhaltsordner eingelesen: {summary}",
    withdraw_nothing_held=(
        "Nichts wird zurückgehalten: Keine Synchronisierung wartet auf eine Bestätigung, Artikel zurückzuziehen."
    ),
    withdraw_still_held="Nichts wurde zurückgezogen, das lässt sich nicht bestätigen: {line}",
    ago_now="gerade eben",
    ago_minutes="vor {n} Min.",
    ago_hours="vor {n} Std.",
    ago_days="vor {n} Tg.",
    and_more="… und {n} weitere",
    push_read="Lesen ↗",
    push_watch="Ansehen ▶",
    push_mute="🔕 {topic} stummschalten",
    push_mute_several="🔕 Stummschalten…",
    push_related_header="<b>Mehr zum Thema</b>",
    push_date="{day}. {month} {year}, {time} UTC",
    push_mute_question="Welches Thema möchtest du stummschalten?",
    push_muted="🔕 {topic} ist stummgeschaltet. Du bekommst keine Nachrichten mehr dazu.",
    push_undo="Rückgängig",
    push_refollowed="🔔 Du folgst {topic} wieder.",
    digest_header="📰 <b>{n} neue Artikel</b>",
    digest_header_one="📰 <b>1 neuer Artikel</b>",
    digest_header_part="📰 <b>{n} neue Artikel</b> ({part}/{parts})",
    digest_date="{day}. {month}, {time}",
    month_abbreviations=(
        "Jan.",
        "Feb.",
        "März",
        "Apr.",
        "Mai",
        "Juni",
        "Juli",
        "Aug.",
        "Sept.",
        "Okt.",
        "Nov.",
        "Dez.",
    ),
    # Readers' controls: keyword filters, time zone, quiet hours, daily digest. The words after a command
    # (exclude, include, off, digest, silent) are what the bot understands, so they stay English.
    setting_filters="🔍 Stichwortfilter",
    setting_quiet="🌙 Ruhezeiten",
    setting_digest="📰 Tägliche Zusammenfassung",
    back_to_settings="« Einstellungen",
    turn_off="Ausschalten",
    filters_header="<b>Stichwortfilter</b> — ganze Wörter, Groß- und Kleinschreibung egal, in Titeln und Teasern.",
    filters_none="Du hast keine Filter: Jeder Artikel deiner Themen erreicht dich.",
    filters_include="Nur Artikel mit: {terms}",
    filters_exclude="Keine Artikel mit: {terms}",
    filters_hint=(
        "Füge einen hinzu mit <code>/filter exclude Krypto</code> oder <code>/filter include Open Source</code>; "
        "tippe unten auf einen Filter, um ihn zu entfernen."
    ),
    filter_button_include="✖ Nur: {term}",
    filter_button_exclude="✖ Nie: {term}",
    filter_usage=(
        "So geht’s: <code>/filter exclude Wort oder Ausdruck</code>, <code>/filter include Wort oder Ausdruck</code> "
        "oder <code>/filter</code> allein, um deine Filter zu sehen und zu entfernen."
    ),
    filter_added_include=(
        "✅ „{term}“ hinzugefügt: Ab jetzt erreichen dich nur Artikel, die eines deiner Nur-Stichwörter erwähnen."
    ),
    filter_added_exclude="✅ Artikel, die „{term}“ erwähnen, erreichen dich nicht mehr.",
    filter_already="Diesen Filter hast du schon: „{term}“.",
    filter_too_long="/filter: Ein Wort oder Ausdruck darf höchstens {n} Zeichen lang sein.",
    filter_no_word="/filter: Das Wort oder der Ausdruck braucht mindestens einen Buchstaben oder eine Ziffer.",
    filter_full="/filter: Du hast schon {n} Filter, mehr geht nicht. Tippe unten auf einen, um ihn zu entfernen.",
    toast_filter_removed="„{term}“ entfernt",
    toast_filter_gone="Dieser Filter war schon entfernt.",
    timezone_current=(
        "🕒 Deine Zeitzone: <b>{zone}</b> (Ortszeit jetzt {time}). Ändern mit "
        "<code>/timezone Europe/Berlin</code> oder <code>/timezone +02:00</code>."
    ),
    timezone_set="✅ Zeitzone auf <b>{zone}</b> gestellt (Ortszeit jetzt {time}).",
    timezone_unknown=(
        "/timezone: Die Zeitzone „{name}“ kenne ich nicht. Nimm einen Namen wie "
        "<code>/timezone Europe/Berlin</code> oder einen Abstand zu UTC wie <code>/timezone +02:00</code> "
        "(von -12:00 bis +14:00)."
    ),
    quiet_off_status="🌙 Ruhezeiten sind aus: Benachrichtigungen kommen, sobald Artikel erscheinen.",
    quiet_status_digest=(
        "🌙 Ruhezeiten: <b>{start}–{end}</b> ({zone}). Benachrichtigungen in dieser Zeit werden gesammelt "
        "und kommen um {end} als eine Zusammenfassung."
    ),
    quiet_status_silent=(
        "🌙 Ruhezeiten: <b>{start}–{end}</b> ({zone}). Benachrichtigungen in dieser Zeit kommen lautlos."
    ),
    quiet_hint="Ändern mit <code>/quiet 22:00-07:00</code> (in deiner Zeitzone) oder <code>/quiet off</code>.",
    quiet_usage=(
        "So geht’s: <code>/quiet 22:00-07:00</code> (in deiner Zeitzone; darf über Mitternacht gehen), "
        "<code>/quiet off</code>, <code>/quiet digest</code> (Benachrichtigungen für eine Zusammenfassung "
        "sammeln) oder <code>/quiet silent</code> (ohne Ton senden)."
    ),
    quiet_mode_digest="Für Zusammenfassung sammeln",
    quiet_mode_silent="Lautlos senden",
    digest_off_status=(
        "⏰ Die tägliche Zusammenfassung ist aus: Benachrichtigungen kommen, sobald Artikel erscheinen."
    ),
    digest_status=(
        "⏰ Tägliche Zusammenfassung um <b>{time}</b> ({zone}): eine Nachricht am Tag mit den Artikeln "
        "des Tages statt einer Benachrichtigung für jeden."
    ),
    digest_hint="Ändern mit <code>/digest 08:00</code> (in deiner Zeitzone) oder <code>/digest off</code>.",
    digest_usage=(
        "So geht’s: <code>/digest 08:00</code> (eine Uhrzeit, in deiner Zeitzone) oder <code>/digest off</code>."
    ),
    held_digest_header="📰 <b>Deine Zusammenfassung: {n} Artikel</b>",
    held_digest_header_one="📰 <b>Deine Zusammenfassung: 1 Artikel</b>",
    held_digest_header_part="📰 <b>Deine Zusammenfassung: {n} Artikel</b> ({part}/{parts})",
    held_digest_topic="<b>{topic}</b>",
    # Groups (bot/chat/handlers/groups.py).
    group_admins_only="Nur die Admins dieser Gruppe können ihre Themen und Einstellungen ändern.",
    toast_group_admins_only="Das können nur die Admins der Gruppe.",
    # Bot profile (bot/chat/profile.py).
    bot_description=(
        "📰 News Bot schickt dir die Nachrichten der Themen, die du wählst, sobald sie erscheinen.\n\n"
        "• Themen mit einem Tipp folgen; jeder neue Artikel kommt als kurze Karte mit seinem Link.\n"
        "• /latest und /search finden Artikel jederzeit.\n"
        "• Ruhezeiten, tägliche Zusammenfassung, Stichwortfilter und deine Zeitzone: du bestimmst, "
        "wann Nachrichten kommen.\n"
        "• Funktioniert auch in Gruppen und Kanälen.\n\n"
        "Tippe auf Starten, um deine ersten Themen zu wählen."
    ),
    bot_short_description=("Die Nachrichten deiner Themen, sobald sie erscheinen. Folgen mit einem Tipp."),
    # Sharing and deep links (bot/chat/handlers/sharing.py).
    link_followed="✅ Du folgst jetzt <b>{topic}</b>.",
    link_already_followed="Du folgst <b>{topic}</b> schon.",
    link_broken=(
        "⚠️ Dieser Link folgt keinem Thema: Vielleicht wurde er abgeschnitten. Hier sind stattdessen alle Themen."
    ),
    link_topic_gone="⚠️ Das Thema dieses Links gibt es nicht mehr. Hier sind die Themen, die es jetzt gibt.",
    share_header="🔗 <b>Ein Thema teilen</b>: Wer einen Link unten öffnet, folgt dem Thema mit einem Tipp.",
    share_line="<b>{topic}</b>: {link}",
    share_button="{topic} folgen",
    share_more="…und {n} weitere: <code>/share</code> mit dem Namen eines Themas gibt dir seinen Link.",
    share_usage=(
        "So geht’s: <code>/share AI</code> gibt dir einen Link, mit dem jeder, der ihn öffnet, AI folgt. "
        "Ohne Thema listet /share die Links der Themen, denen du folgst."
    ),
    # Private deployments (bot/chat/handlers/access.py).
    private_refusal=(
        "🔒 Tut mir leid, dieser Bot ist privat: Er ist nur für die Personen und Gruppen da, die seine "
        "Betreiber ausgewählt haben. Wenn du dazugehören solltest, bitte einen Betreiber, deine Chat-ID "
        "<code>{chat_id}</code> hinzuzufügen."
    ),
    private_refusal_toast="🔒 Tut mir leid, dieser Bot ist privat.",
    # Under a channel's push and a card posted from inline mode.
    follow_button="➕ {topic} folgen",
    # Inline mode (bot/chat/handlers/inline.py, bot/chat/inline_results.py).
    inline_date="{day}. {month} {year}",
)
