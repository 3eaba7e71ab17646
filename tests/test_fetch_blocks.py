"""Every core WordPress block survives ``fetch``: HTML -> Markdown (html2md) -> HTML (the site's renderer).

Each case below is HTML written for this test in the shape WordPress saves (and, for dynamic blocks,
renders) each core block, including older saved versions. The shapes were learned from Gutenberg's
block fixtures (WordPress/gutenberg, test/integration/fixtures/blocks/), chiefly:
core__accordion.html, core__accordion-heading__deprecated-v1.html, core__audio.html,
core__audio__deprecated-1.html, core__video.html, core__cover__video.html,
core__cover__deprecated-1.html, core__media-text__video.html,
core__media-text__image-fill-no-focal-point-selected.html, core__verse__deprecated-v1.html,
core__details.html, core__file__new-window.html, core__pullquote.html,
core__pullquote__custom-colors.html, core__pullquote__deprecated-1.html,
core__pullquote__deprecated-2.html, core__footnotes.html, core__form.html; no fixture is copied.

For every case the source and the rendered page are parsed with lxml and compared on: the words
of the visible text, link addresses, images, audio/video players, headings and their levels, list
items, table cells, quotes, emphasis, ``<pre>`` text (exact), description lists, ``<details>``
summaries and the lines of a verse. The Markdown must hold no block-editor noise. What a case
cannot keep is named in its ``losses`` with the reason; the test checks the loss is exactly that.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import lxml.html
import pytest

from kowp_site.cli import main
from kowp_site.fetch.html2md import convert
from kowp_site.site.markdown import Renderer

BASE = "https://wordpress.org/news/2026/05/blocks/"
FILES = "https://wordpress.org/news/files/2026/05/"
NOISE = ("wp-block-", "<!-- wp:", "style=", "class=", "data:video", "data:audio", "<button", "<form")
FACTS = (
    "words", "links", "images", "media", "iframes", "headings", "items", "ordered", "cells", "quotes",
    "emphasis", "pre", "terms", "summaries", "verse", "anchors",
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    id: str
    html: str
    # fact -> reason: the rendered page is allowed to differ there, and must (the loss is real).
    losses: dict[str, str] = field(default_factory=dict)
    lost_words: tuple[str, ...] = ()  # with a "words" loss: exactly these source words are missing
    dropped: tuple[str, ...] = ()  # what fetch reports as left out (substrings, in order)


def p(text: str) -> str:
    return f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->"


MP3 = FILES + "WP-Briefing-110.mp3"
MP4 = FILES + "release-6-9.mp4"
BASE64_VIDEO = "data:video/mp4;base64," + "AAAAHGZ0eXBpc29tAAACAGlzb21pc28y" * 40
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

CASES = [
    Case(
        "paragraph",
        '<!-- wp:paragraph {"align":"right","style":{"typography":{"fontSize":"18px"}}} -->\n'
        '<p class="has-text-align-right" style="font-size:18px">Plain <strong>bold</strong>, <em>italic</em>, '
        '<a href="https://wordpress.org/about/">a link</a>, <code>do_action()</code>, a&nbsp;no-break space, '
        "5 * 3 = 15 and snake_case_names.</p>\n<!-- /wp:paragraph -->",
    ),
    Case(
        "paragraph-drop-cap-deprecated",
        '<!-- wp:core/paragraph {"dropCap":true,"customTextColor":"#ff0000"} -->\n'
        '<p style="color:#ff0000" class="has-text-color has-drop-cap">Once upon a time <b>old</b> '
        "<i>markup</i>.<br>Next line.</p>\n<!-- /wp:core/paragraph -->",
    ),
    Case(
        "heading",
        '<!-- wp:heading --><h2 class="wp-block-heading" id="release">Release</h2><!-- /wp:heading -->'
        '<!-- wp:heading {"level":3} --><h3 class="wp-block-heading has-text-align-center">What <em>changed</em></h3>'
        '<!-- /wp:heading --><!-- wp:heading {"level":4} --><h4 class="wp-block-heading">Details</h4><!-- /wp:heading -->'
        + p("Body."),
    ),
    Case(
        "heading-h1-shifts",
        '<!-- wp:heading {"level":1} --><h1>Top</h1><!-- /wp:heading --><h2>Next</h2><h6>Deepest</h6>',
    ),
    Case(
        "list",
        '<!-- wp:list --><ul class="wp-block-list"><!-- wp:list-item --><li>One with '
        '<a href="/news/">a link</a></li><!-- /wp:list-item --><!-- wp:list-item --><li>Two<!-- wp:list -->'
        '<ul class="wp-block-list"><li>Nested a</li><li>Nested b</li></ul><!-- /wp:list --></li>'
        "<!-- /wp:list-item --></ul><!-- /wp:list -->"
        '<!-- wp:list {"ordered":true,"start":3} --><ol start="3" class="wp-block-list"><li>Three</li>'
        "<li>Four</li></ol><!-- /wp:list -->",
    ),
    Case(
        "list-reversed",
        '<!-- wp:list {"ordered":true,"reversed":true} --><ol reversed class="wp-block-list"><li>Third</li>'
        "<li>Second</li><li>First</li></ol><!-- /wp:list -->",
        losses={"ordered": "Markdown lists only count up; the items and their order are kept, the countdown is not"},
    ),
    Case(
        "list-deprecated-values",
        '<!-- wp:core/list --><ul class="custom-class"><li>Old <strong>list</strong></li><li>Item</li></ul>'
        "<!-- /wp:core/list -->",
    ),
    Case(
        "quote",
        '<!-- wp:quote --><blockquote class="wp-block-quote"><!-- wp:paragraph --><p>Code is poetry.</p>'
        "<!-- /wp:paragraph --><!-- wp:paragraph --><p>Second paragraph.</p><!-- /wp:paragraph -->"
        "<cite>Matt Mullenweg</cite></blockquote><!-- /wp:quote -->",
    ),
    Case(
        "quote-large-deprecated",
        '<!-- wp:core/quote {"style":2} --><blockquote class="wp-block-quote is-large"><p>Big words.</p>'
        "<cite>Someone</cite></blockquote><!-- /wp:core/quote -->",
    ),
    Case(
        "image",
        '<!-- wp:image {"id":12,"sizeSlug":"large"} --><figure class="wp-block-image size-large">'
        f'<img src="{FILES}cecil-1024x576.png" alt="Album art" class="wp-image-12" width="1024" height="576" '
        f'srcset="{FILES}cecil-300x169.png 300w" sizes="(max-width: 1024px) 100vw"/>'
        '<figcaption class="wp-element-caption">Art by <a href="https://profiles.wordpress.org/x/">X</a></figcaption>'
        "</figure><!-- /wp:image -->"
        '<!-- wp:image {"linkDestination":"custom"} --><figure class="wp-block-image"><a href="https://wordpress.org/">'
        f'<img src="{FILES}logo.png" alt="Logo"/></a></figure><!-- /wp:image -->',
    ),
    Case(
        "image-deprecated-aligned",
        '<!-- wp:core/image {"align":"center"} --><div class="wp-block-image"><figure class="aligncenter">'
        '<img src="../files/2026/05/old.jpg" alt="Old image"/><figcaption>Old caption</figcaption></figure></div>'
        "<!-- /wp:core/image -->",
    ),
    Case(
        "image-data-png",
        f'<!-- wp:image --><figure class="wp-block-image"><img src="{PNG}" alt="A dot"/></figure><!-- /wp:image -->',
    ),
    Case(
        "image-data-svg",
        '<!-- wp:image --><figure class="wp-block-image"><img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" '
        'alt="Vector"/></figure><!-- /wp:image -->' + p("After."),
        losses={"images": "an SVG data: image can carry script; the sanitizer would refuse it, so fetch leaves it out"},
        dropped=("data: image that is not PNG, GIF, JPEG or WebP",),
    ),
    Case(
        "gallery",
        '<!-- wp:gallery {"linkTo":"none"} --><figure class="wp-block-gallery has-nested-images columns-default">'
        f'<!-- wp:image --><figure class="wp-block-image"><img src="{FILES}a.jpg" alt="A"/></figure><!-- /wp:image -->'
        f'<!-- wp:image --><figure class="wp-block-image"><img src="{FILES}b.jpg" alt="B"/>'
        '<figcaption class="wp-element-caption">Bee</figcaption></figure><!-- /wp:image -->'
        '<figcaption class="blocks-gallery-caption wp-element-caption">Two pictures</figcaption></figure>'
        "<!-- /wp:gallery -->",
    ),
    Case(
        "gallery-deprecated-list",
        '<!-- wp:gallery {"ids":[1,2]} --><ul class="wp-block-gallery columns-2 is-cropped">'
        f'<li class="blocks-gallery-item"><figure><img src="{FILES}c.jpg" alt="C" data-id="1"/></figure></li>'
        f'<li class="blocks-gallery-item"><figure><img src="{FILES}d.jpg" alt="D" data-id="2"/>'
        "<figcaption>Dee</figcaption></figure></li></ul><!-- /wp:gallery -->",
    ),
    Case(
        "audio",
        '<!-- wp:audio {"id":77} --><figure class="wp-block-audio"><audio controls src="' + MP3 + '"></audio>'
        '<figcaption class="wp-element-caption">WP Briefing, episode 110</figcaption></figure><!-- /wp:audio -->',
    ),
    Case(
        "audio-deprecated-empty",
        '<!-- wp:audio --><figure class="wp-block-audio"><audio controls></audio></figure><!-- /wp:audio -->'
        + p("No file was chosen."),
    ),
    Case(
        "audio-shortcode-player",
        '<!--[if lt IE 9]><script>document.createElement("audio");</script><![endif]-->'
        '<audio class="wp-audio-shortcode" id="audio-1-1" preload="none" style="width: 100%;" controls="controls">'
        f'<source type="audio/mpeg" src="{FILES}episode-7.mp3?_=1" /><a href="{FILES}episode-7.mp3">'
        f"{FILES}episode-7.mp3</a></audio>",
        losses={
            "links": "the player's fallback link names the same file as the player itself",
            "words": "the player's fallback link names the same file as the player itself",
        },
        lost_words=tuple(re.findall(r"\w+", f"{FILES}episode-7.mp3")),
    ),
    Case(
        "video",
        '<!-- wp:video {"id":9} --><figure class="wp-block-video"><video controls loop poster="'
        + FILES
        + 'poster.jpg" preload="auto" src="'
        + MP4
        + '" playsinline></video><figcaption class="wp-element-caption">The release video</figcaption></figure>'
        "<!-- /wp:video -->",
    ),
    Case(
        "video-data",
        '<!-- wp:video --><figure class="wp-block-video"><video controls src="' + BASE64_VIDEO + '"></video>'
        '<figcaption class="wp-element-caption">My video</figcaption></figure><!-- /wp:video -->',
        losses={"media": "a data: video is the whole file inside the page; it never goes into Markdown"},
        dropped=("a data: video",),
    ),
    Case(
        "file",
        '<!-- wp:file {"id":5,"href":"' + FILES + 'guide.pdf"} --><div class="wp-block-file">'
        '<object class="wp-block-file__embed" data="' + FILES + 'guide.pdf" type="application/pdf" '
        'style="width:100%;height:600px" aria-label="Embed of guide."></object>'
        '<a id="wp-block-file--media-5" href="' + FILES + 'guide.pdf" target="_blank" rel="noreferrer noopener">'
        'Field guide</a><a href="' + FILES + 'guide.pdf" class="wp-block-file__button wp-element-button" download '
        'aria-describedby="wp-block-file--media-5">Download</a></div><!-- /wp:file -->',
        losses={"words": "the Download button repeats the link to the same file"},
        lost_words=("Download",),
    ),
    Case(
        "file-button-only",
        '<!-- wp:file {"href":"' + FILES + 'slides.zip","showDownloadButton":true} --><div class="wp-block-file">'
        '<a href="' + FILES + 'slides.zip" class="wp-block-file__button" download>Download slides</a></div>'
        "<!-- /wp:file -->",
    ),
    Case(
        "code",
        "<!-- wp:code --><pre class=\"wp-block-code\"><code>add_filter( 'the_content', function ( $c ) {\n"
        "\treturn $c . '&lt;p&gt;*Thanks*&lt;/p&gt;';\n} );\n\n\n    indented()</code></pre><!-- /wp:code -->",
    ),
    Case(
        "preformatted",
        '<!-- wp:preformatted --><pre class="wp-block-preformatted">Name      Version\n'
        'WordPress  6.9    <strong>stable</strong>\n\n\n  a &lt;tag&gt; &amp; <a href="/news/">link</a>   \n'
        "<em>end</em>  </pre><!-- /wp:preformatted -->",
    ),
    Case(
        "preformatted-breaks",
        '<!-- wp:preformatted {"style":{"typography":{"fontSize":"14px"}}} --><pre class="wp-block-preformatted" '
        'style="font-size:14px">first<br>  second<br><br>fourth</pre><!-- /wp:preformatted -->',
    ),
    Case(
        "verse",
        '<!-- wp:verse --><pre class="wp-block-verse">The wind sweeps <em>low</em>\n'
        "    across the plain,\n        bending the <strong>grass</strong>\n\nA second stanza\nends here.</pre>"
        "<!-- /wp:verse -->",
    ),
    Case(
        "verse-deprecated-breaks",
        '<!-- wp:verse {"textAlign":"left"} --><pre style="text-align:left" class="wp-block-verse">A '
        "<em>verse</em>…<br>And more! *Not* markdown_here<br>  # not a heading</pre><!-- /wp:core/verse -->",
    ),
    Case(
        "pullquote",
        '<!-- wp:pullquote --><figure class="wp-block-pullquote"><blockquote><p>Testing pullquote block…</p>'
        '<cite class="wp-block-pullquote__citation wp-element-cite">…with a caption</cite></blockquote></figure>'
        "<!-- /wp:pullquote -->",
    ),
    Case(
        "pullquote-custom-colors",
        '<!-- wp:pullquote {"style":{"color":{"background":"#3486aa"}}} --><figure class="wp-block-pullquote '
        'has-background" style="background-color:#3486aa"><blockquote><p>Colours</p><cite>Painter</cite>'
        "</blockquote></figure><!-- /wp:pullquote -->",
    ),
    Case(
        "pullquote-aside",
        '<!-- wp:pullquote {"customMainColor":"#3486aa"} --><aside class="wp-block-pullquote is-style-solid-color" '
        'style="background-color:#3486aa"><p>An aside pullquote</p><p>in two paragraphs</p>'
        "<cite>The citation</cite></aside><!-- /wp:pullquote -->",
    ),
    Case(
        "pullquote-deprecated-footer",
        '<!-- wp:core/pullquote --><blockquote class="wp-block-pullquote alignnone"><p>Old pullquote</p>'
        "<footer>…with a footer</footer></blockquote><!-- /wp:core/pullquote -->",
    ),
    Case(
        "table",
        '<!-- wp:table --><figure class="wp-block-table"><table class="has-fixed-layout"><thead><tr>'
        "<th>Version</th><th>Date</th></tr></thead><tbody><tr><td>6.8</td><td>April <em>15</em></td></tr>"
        '<tr><td>6.8.1</td><td><a href="/news/2025/04/681/">April 30</a> | May</td></tr></tbody>'
        "<tfoot><tr><td>Total</td><td>2</td></tr></tfoot></table>"
        '<figcaption class="wp-element-caption">Release history</figcaption></figure><!-- /wp:table -->',
    ),
    Case(
        "table-footer-first",  # HTML 4 put <tfoot> before <tbody>; the footer still comes last
        '<!-- wp:table --><figure class="wp-block-table"><table><thead><tr><th>Head</th></tr></thead>'
        "<tfoot><tr><td>Foot</td></tr></tfoot><tbody><tr><td>Body</td></tr></tbody></table></figure><!-- /wp:table -->",
        losses={
            "cells": "a Markdown table has no footer: its rows follow the body rows (exact form tested below)",
            "words": "a Markdown table has no footer: its words follow the body's",
        },
    ),
    Case(
        "table-without-head",
        '<!-- wp:table --><figure class="wp-block-table"><table><tbody><tr><td>a</td><td>b</td></tr>'
        "<tr><td>c</td><td>d</td></tr></tbody></table></figure><!-- /wp:table -->",
    ),
    Case(
        "buttons",
        '<!-- wp:buttons --><div class="wp-block-buttons"><!-- wp:button --><div class="wp-block-button">'
        '<a class="wp-block-button__link wp-element-button" href="https://wordpress.org/download/">Download</a></div>'
        '<!-- /wp:button --><!-- wp:button {"className":"is-style-outline"} --><div class="wp-block-button '
        'is-style-outline"><a class="wp-block-button__link" href="/news/">Read the news</a></div>'
        "<!-- /wp:button --></div><!-- /wp:buttons -->",
    ),
    Case(
        "columns",
        '<!-- wp:columns --><div class="wp-block-columns"><!-- wp:column {"width":"66.66%"} --><div class="'
        'wp-block-column" style="flex-basis:66.66%">' + p("Left column.") + "</div><!-- /wp:column -->"
        '<!-- wp:column --><div class="wp-block-column">' + p("Right column.") + "</div><!-- /wp:column -->"
        "</div><!-- /wp:columns -->",
    ),
    Case(
        "text-columns-deprecated",
        '<!-- wp:text-columns --><div class="wp-block-text-columns alignundefined columns-2">'
        '<div class="wp-block-column"><p>One</p></div><div class="wp-block-column"><p>Two</p></div></div>'
        "<!-- /wp:text-columns -->",
    ),
    Case(
        "group",
        '<!-- wp:group {"layout":{"type":"constrained"}} --><div class="wp-block-group has-background" '
        'style="background-color:#eee"><!-- wp:heading --><h2 class="wp-block-heading">Inside</h2>'
        "<!-- /wp:heading -->" + p("Grouped text.") + "</div><!-- /wp:group -->",
    ),
    Case(
        "cover",
        '<!-- wp:cover {"url":"' + FILES + 'cover.jpg","dimRatio":50} --><div class="wp-block-cover">'
        '<span aria-hidden="true" class="wp-block-cover__background has-background-dim"></span>'
        '<img class="wp-block-cover__image-background wp-image-3" alt="Seoul at night" src="' + FILES + 'cover.jpg" '
        'data-object-fit="cover"/><div class="wp-block-cover__inner-container">'
        '<!-- wp:paragraph {"align":"center"} --><p class="has-text-align-center has-large-font-size">'
        "WordCamp Seoul</p><!-- /wp:paragraph --></div></div><!-- /wp:cover -->",
    ),
    Case(
        "cover-deprecated-background",
        '<!-- wp:cover-image {"url":"' + FILES + 'old-cover.jpg"} --><section class="wp-block-cover-image '
        'has-background-dim" style="background-image:url(' + FILES + 'old-cover.jpg)"><h2><strong>Cover Image'
        "</strong></h2></section><!-- /wp:cover-image -->",
    ),
    Case(
        "cover-deprecated-background-quoted",
        '<!-- wp:cover {"url":"' + FILES + 'quoted.jpg"} --><div class="wp-block-cover has-background-dim" '
        'style="background-image:url(&quot;' + FILES + 'quoted.jpg&quot;);background-position:50% 50%">'
        '<p class="wp-block-cover-text">Quoted address</p></div><!-- /wp:cover -->',
    ),
    Case(
        "cover-video",
        '<!-- wp:cover {"backgroundType":"video"} --><div class="wp-block-cover"><span aria-hidden="true" '
        'class="wp-block-cover__background has-background-dim-40 has-background-dim"></span><video class="'
        'wp-block-cover__video-background intrinsic-ignore" autoplay muted loop playsinline src="' + MP4 + '" '
        'data-object-fit="cover"></video><div class="wp-block-cover__inner-container">'
        + p("Guten Berg!")
        + "</div></div><!-- /wp:cover -->",
    ),
    Case(
        "cover-video-data",
        '<!-- wp:cover {"backgroundType":"video"} --><div class="wp-block-cover"><video class="'
        'wp-block-cover__video-background" autoplay muted loop playsinline src="' + BASE64_VIDEO + '"></video>'
        '<div class="wp-block-cover__inner-container">' + p("Over a data video") + "</div></div><!-- /wp:cover -->",
        losses={"media": "a data: video is the whole file inside the page; it never goes into Markdown"},
        dropped=("a data: video",),
    ),
    Case(
        "media-text",
        '<!-- wp:media-text {"mediaId":4,"mediaType":"image"} --><div class="wp-block-media-text is-stacked-on-mobile">'
        '<figure class="wp-block-media-text__media"><img src="' + FILES + 'side.jpg" alt="Side" class="wp-image-4 '
        'size-full"/></figure><div class="wp-block-media-text__content">'
        + p("Text beside the image.")
        + "</div></div><!-- /wp:media-text -->",
    ),
    Case(
        "media-text-image-fill",
        '<!-- wp:media-text {"mediaType":"image","imageFill":true} --><div class="wp-block-media-text '
        'is-image-fill"><figure class="wp-block-media-text__media" style="background-image:url('
        + FILES
        + 'fill.jpg);background-position:50% 50%"><img src="'
        + FILES
        + 'fill.jpg" alt="Filled"/></figure>'
        '<div class="wp-block-media-text__content">' + p("Filled.") + "</div></div><!-- /wp:media-text -->",
    ),
    Case(
        "media-text-background-only",
        '<!-- wp:media-text {"mediaType":"image","imageFill":true} --><div class="wp-block-media-text '
        'is-image-fill"><figure class="wp-block-media-text__media" style="background-image:url('
        + FILES
        + 'bg-only.jpg)"></figure><div class="wp-block-media-text__content">'
        + p("Only a background.")
        + "</div></div><!-- /wp:media-text -->",
    ),
    Case(
        "media-text-video",
        '<!-- wp:media-text {"mediaType":"video"} --><div class="wp-block-media-text alignwide">'
        '<figure class="wp-block-media-text__media"><video controls src="' + MP4 + '"></video></figure>'
        '<div class="wp-block-media-text__content">' + p("My Content") + "</div></div><!-- /wp:media-text -->",
    ),
    Case(
        "separator-and-spacer",
        p("Above.") + '<!-- wp:separator --><hr class="wp-block-separator has-alpha-channel-opacity"/>'
        '<!-- /wp:separator --><!-- wp:spacer {"height":"40px"} --><div style="height:40px" aria-hidden="true" '
        'class="wp-block-spacer"></div><!-- /wp:spacer -->' + p("Below."),
    ),
    Case(
        "details",
        '<!-- wp:details {"summary":"Read more"} --><details class="wp-block-details"><summary>Read '
        "<strong>more</strong></summary>"
        + p("Hidden <em>content</em>.")
        + '<!-- wp:list --><ul class="wp-block-list"><li>Hidden item</li></ul><!-- /wp:list --></details>'
        "<!-- /wp:details -->",
    ),
    Case(
        "details-open",
        '<!-- wp:details {"showContent":true} --><details class="wp-block-details" open><summary>Open by default'
        "</summary>" + p("Visible at once.") + "</details><!-- /wp:details -->",
    ),
    Case(
        "accordion",
        '<!-- wp:accordion --><div role="group" class="wp-block-accordion"><!-- wp:accordion-item -->'
        '<div class="wp-block-accordion-item"><!-- wp:accordion-heading --><h3 class="wp-block-accordion-heading">'
        '<button type="button" class="wp-block-accordion-heading__toggle"><span class="'
        'wp-block-accordion-heading__toggle-title">What is new?</span><span class="'
        'wp-block-accordion-heading__toggle-icon" aria-hidden="true">+</span></button></h3>'
        '<!-- /wp:accordion-heading --><!-- wp:accordion-panel --><div role="region" class="wp-block-accordion-panel">'
        + p("Accordion panel content.")
        + "</div><!-- /wp:accordion-panel --></div><!-- /wp:accordion-item --></div><!-- /wp:accordion -->",
    ),
    Case(
        "accordion-heading-styled",
        '<!-- wp:accordion-heading {"style":{"typography":{"fontSize":"3rem"}}} --><h4 class="'
        'wp-block-accordion-heading" style="font-size:3rem"><button type="button" class="'
        'wp-block-accordion-heading__toggle">\n\t<span class="wp-block-accordion-heading__toggle-title">Styled '
        '<em>title</em></span>\n\t<span class="wp-block-accordion-heading__toggle-icon" aria-hidden="true">+</span>'
        "\n</button></h4><!-- /wp:accordion-heading -->" + p("Answer."),
    ),
    Case(
        "embed",
        '<!-- wp:embed {"providerNameSlug":"youtube"} --><figure class="wp-block-embed is-type-video '
        'is-provider-youtube wp-block-embed-youtube"><div class="wp-block-embed__wrapper"><iframe title="Release '
        'party" width="500" height="281" src="https://www.youtube.com/embed/abc123?feature=oembed" '
        'frameborder="0" allowfullscreen></iframe></div><figcaption class="wp-element-caption">Watch it</figcaption>'
        "</figure><!-- /wp:embed -->"
        '<!-- wp:embed {"url":"https://wordpress.tv/2025/01/01/sotw/"} --><figure class="wp-block-embed">'
        '<div class="wp-block-embed__wrapper">\nhttps://wordpress.tv/2025/01/01/sotw/\n</div></figure><!-- /wp:embed -->',
    ),
    Case(
        "html",
        '<!-- wp:html --><div class="custom" style="color:red"><p>Custom <abbr title="HyperText">HTML</abbr>'
        " kept as text</p><marquee>Old tag</marquee></div><!-- /wp:html -->",
    ),
    Case(
        "freeform-classic",
        '<p>Classic editor text with <b>bold</b> and a <a href="https://wordpress.org/plugins/">link</a>.</p>\n'
        "<ul>\n<li>classic item</li>\n</ul>\n<p>&nbsp;</p>",
    ),
    Case(
        "footnotes",
        '<!-- wp:paragraph --><p>A claim<sup data-fn="a1b2" class="fn"><a href="#a1b2" id="a1b2-link">1</a></sup> '
        'and another<sup data-fn="c3d4" class="fn"><a href="#c3d4" id="c3d4-link">2</a></sup>.</p>'
        '<!-- /wp:paragraph --><!-- wp:footnotes --><ol class="wp-block-footnotes"><li id="a1b2">The '
        '<em>source</em>. <a href="#a1b2-link" aria-label="Jump to footnote reference 1">↩︎</a></li>'
        '<li id="c3d4">See <a href="https://make.wordpress.org/core/">Make Core</a>. <a href="#c3d4-link" '
        'aria-label="Jump to footnote reference 2">↩︎</a></li></ol><!-- /wp:footnotes -->',
    ),
    Case(
        "more-and-nextpage",
        p("Before the fold.")
        + '<!-- wp:more --><p><span id="more-1234"></span></p><!-- /wp:more -->'
        + p("After the fold.")
        + "<!-- wp:nextpage --><!--nextpage--><!-- /wp:nextpage -->"
        + p("Second page."),
    ),
    Case(
        "shortcode",
        '<!-- wp:shortcode -->[gallery ids="1,2,3" columns="2"]<!-- /wp:shortcode -->' + p("After a shortcode."),
    ),
    Case(
        "social-links",
        '<!-- wp:social-links --><ul class="wp-block-social-links"><!-- wp:social-link {"url":"https://wordpress.org/",'
        '"service":"wordpress"} --><li class="wp-social-link wp-social-link-wordpress wp-block-social-link">'
        '<a href="https://wordpress.org/" class="wp-block-social-link-anchor"><svg width="24" height="24" '
        'viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2z"></path></svg><span class="'
        'wp-block-social-link-label screen-reader-text">WordPress</span></a></li><!-- /wp:social-link -->'
        '<li class="wp-social-link wp-social-link-mastodon wp-block-social-link"><a href="https://mastodon.social/@wp" '
        'class="wp-block-social-link-anchor"><svg aria-hidden="true"></svg><span class="'
        'wp-block-social-link-label screen-reader-text">Mastodon</span></a></li></ul><!-- /wp:social-links -->',
    ),
    Case(
        "latest-posts-rendered",
        '<ul class="wp-block-latest-posts__list has-dates wp-block-latest-posts"><li><a class="'
        'wp-block-latest-posts__post-title" href="https://wordpress.org/news/2026/04/a/">Post A</a><time '
        'datetime="2026-04-01T10:00:00+00:00" class="wp-block-latest-posts__post-date">April 1, 2026</time></li>'
        '<li><a class="wp-block-latest-posts__post-title" href="https://wordpress.org/news/2026/03/b/">Post B</a>'
        "</li></ul>",
    ),
    Case(
        "tag-cloud-and-archives-rendered",
        '<p class="wp-block-tag-cloud"><a href="https://wordpress.org/news/tag/core/" class="tag-cloud-link" '
        'style="font-size: 8pt;" aria-label="core (3 items)">core</a>\n<a href="https://wordpress.org/news/tag/'
        'seoul/" class="tag-cloud-link" style="font-size: 22pt;">seoul</a></p><ul class="wp-block-archives-list '
        'wp-block-archives"><li><a href="https://wordpress.org/news/2026/05/">May 2026</a></li></ul>',
    ),
    Case(
        "table-of-contents",
        '<!-- wp:table-of-contents --><nav class="wp-block-table-of-contents"><ol><li><a class="'
        'wp-block-table-of-contents__entry" href="#what-is-new">What is new</a><ol><li><a href="#field-guide">'
        'Field guide</a></li></ol></li></ol></nav><!-- /wp:table-of-contents --><h2 class="wp-block-heading" '
        'id="what-is-new">What is new</h2>'
        + p("Text.")
        + '<h3 class="wp-block-heading" id="field-guide">Field guide</h3>',
    ),
    Case(
        "reusable-block-rendered",
        '<!-- wp:block {"ref":23} -->' + p("A synced pattern, rendered in place.") + "<!-- /wp:block -->",
    ),
    Case(
        "calendar-rendered",
        '<div class="wp-block-calendar"><table id="wp-calendar" class="wp-calendar-table"><caption>May 2026'
        '</caption><thead><tr><th scope="col" title="Monday">M</th><th scope="col" title="Tuesday">T</th></tr>'
        '</thead><tbody><tr><td><a href="https://wordpress.org/news/2026/05/01/" aria-label="Posts published on '
        'May 1, 2026">1</a></td><td>2</td></tr></tbody></table></div>',
    ),
    Case(
        "categories-latest-comments-rss-page-list-rendered",
        '<ul class="wp-block-categories-list wp-block-categories"><li class="cat-item cat-item-1"><a href="'
        'https://wordpress.org/news/category/releases/">Releases</a> (12)</li></ul>'
        '<ol class="has-avatars wp-block-latest-comments"><li class="wp-block-latest-comments__comment"><article>'
        '<footer class="wp-block-latest-comments__comment-meta"><a class="wp-block-latest-comments__comment-author"'
        ' href="https://profiles.wordpress.org/anne/">Anne</a> on <a class="wp-block-latest-comments__comment-link"'
        ' href="https://wordpress.org/news/2026/04/a/#comment-3">Post A</a></footer></article></li></ol>'
        '<ul class="wp-block-rss"><li class="wp-block-rss__item"><div class="wp-block-rss__item-title"><a href="'
        'https://make.wordpress.org/core/2026/05/01/x/">Dev note</a></div></li></ul>'
        '<ul class="wp-block-page-list"><li class="wp-block-pages-list__item"><a class="'
        'wp-block-pages-list__item__link" href="https://wordpress.org/news/about/">About</a></li></ul>',
    ),
    Case(
        "search",
        p("Search the news:") + '<!-- wp:search {"label":"Search"} --><form role="search" method="get" '
        'action="https://wordpress.org/news/" class="wp-block-search"><label for="wp-block-search__input-1" '
        'class="wp-block-search__label">Search</label><div class="wp-block-search__inside-wrapper"><input '
        'type="search" id="wp-block-search__input-1" name="s" value="" required/><button type="submit" '
        'class="wp-block-search__button">Go</button></div></form><!-- /wp:search -->',
        losses={"words": "a search form cannot search from a static page; its label and button go with it"},
        lost_words=("Search", "Go"),
        dropped=("a form with 1 field",),
    ),
    Case(
        "form-experimental",
        p("Contact us:") + '<!-- wp:form --><form class="wp-block-form" enctype="text/plain"><!-- wp:form-input '
        '{"label":"Name"} --><label class="wp-block-form-input__label"><span class="'
        'wp-block-form-input__label-content">Name</span><input class="wp-block-form-input__input" type="text" '
        'name="name" required/></label><!-- /wp:form-input --><label class="wp-block-form-input__label"><span>'
        'Comment</span><textarea name="comment"></textarea></label><input type="hidden" name="token" value="x"/>'
        '<div class="wp-block-form-submit-button"><div class="wp-block-buttons"><div class="wp-block-button">'
        '<button type="submit" class="wp-block-button__link">Submit</button></div></div></div></form>'
        "<!-- /wp:form -->",
        losses={"words": "the form block's fields would send nothing from a static page; the sanitizer removes forms"},
        lost_words=("Name", "Comment", "Submit"),
        dropped=("a form with 2 fields",),
    ),
    Case(
        "description-list",
        "<!-- wp:html --><dl><dt>Block</dt><dd>A piece of a post, <em>like</em> a "
        '<a href="/news/2026/05/blocks/">paragraph</a>.</dd><dt>Theme</dt><dt>Skin</dt><dd>How the site looks.</dd>'
        "</dl><!-- /wp:html -->",
    ),
]


# --- facts of a page ------------------------------------------------------------------------------

_NOT_SHOWN = ("script", "style", "svg", "template", "noscript", "object")
_BLOCKS = (
    "p", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "div", "figure", "figcaption",
    "blockquote", "pre", "dt", "dd", "dl", "summary", "details", "section", "aside", "table", "br", "hr", "cite",
    "footer", "label", "span", "time", "caption", "sup",
)  # fmt: skip
_EMPHASIS = {"em": "em", "i": "em", "strong": "strong", "b": "strong"}


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _classes(el: lxml.html.HtmlElement) -> list[str]:
    return (el.get("class") or "").split()


def _indent_and_text(line: str) -> tuple[int, str]:
    rest = line.lstrip(" \t\xa0")
    return len(line) - len(rest), " ".join(rest.split())


def _verse_lines(el: lxml.html.HtmlElement, source: bool) -> list[list[tuple[int, str]]]:
    """The stanzas of a verse as lines (indentation, text): the source ``pre`` or the rendered paragraphs."""
    copy = lxml.html.fromstring(lxml.html.tostring(el, encoding="unicode"))
    for br in copy.iter("br"):
        br.tail = "\n" + (br.tail or "").lstrip("\n")
    text = copy.text_content()
    stanzas = re.split(r"\n[ \t\xa0]*\n", text.strip("\n")) if source else [text.strip("\n")]
    return [[_indent_and_text(line) for line in s.split("\n")] for s in stanzas if s.strip()]


def facts(html: str, *, source: bool) -> dict[str, list]:
    """What a reader gets from a page, in document order."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for comment in root.xpath("//comment()"):
        comment.drop_tree()  # block delimiters and the like; drop_tree keeps the text after them
    for el in list(root.iter(*_NOT_SHOWN)):
        el.drop_tree()
    for el in [e for e in root.iter() if e.get("aria-hidden") == "true"]:
        el.drop_tree()  # icons and spacers say nothing
    if not source:  # the heading the build gives a footnotes section is for screen readers only
        for el in [e for e in root.iter("h2") if "visually-hidden" in _classes(e)]:
            el.drop_tree()
    if source:
        verse = [
            lines for el in root.iter("pre") if "wp-block-verse" in _classes(el) for lines in _verse_lines(el, True)
        ]
    else:
        verse = [lines for el in root.iter("p") if el.find("br") is not None for lines in _verse_lines(el, False)]
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    shown_apart = [el for el in root.iter() if el.tag in _BLOCKS or "wp-block-file__button" in _classes(el)]
    for el in shown_apart:  # blocks (and buttons) end a word even when written without a space between
        if el.tag != "pre" and next(el.iterancestors("pre"), None) is None:
            el.tail = " " + (el.tail or "")
            el.text = " " + (el.text or "")
    found: dict[str, list] = {name: [] for name in FACTS}
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        text = " ".join(el.text_content().split())
        if tag == "a" and el.get("href"):
            href = el.get("href")
            if href.startswith("#"):
                found["anchors"].append(href[1:] in ids)
            elif "media" not in _classes(el):
                found["links"].append(urljoin(BASE, href))
        elif tag == "img":
            found["images"].append((urljoin(BASE, el.get("src", "")), el.get("alt", "")))
        elif tag in ("audio", "video"):
            src = el.get("src") or next((s.get("src") for s in el.iter("source") if s.get("src")), "")
            if src:
                found["media"].append((tag, urljoin(BASE, src)))
        elif tag == "iframe":
            found["iframes"].append(el.get("src"))
        elif re.fullmatch(r"h[1-6]", tag):
            found["headings"].append((int(tag[1]), text))
        elif tag == "li":
            found["items"].append(words(text))
        elif tag == "ol":
            found["ordered"].append((el.get("start") or "1", el.get("reversed") is not None))
        elif tag in ("td", "th"):
            found["cells"].append(words(text))
        elif tag == "blockquote":
            found["quotes"].append(words(text))
        elif tag in _EMPHASIS:
            found["emphasis"].append((_EMPHASIS[tag], text))
        elif tag == "figcaption" and text:
            found["emphasis"].append(("em", text))  # a caption is an italic line under its image
        elif tag == "pre" and not (source and "wp-block-verse" in _classes(el)):
            found["pre"].append(el.text_content().rstrip("\n"))
        elif tag in ("dt", "dd"):
            found["terms"].append((tag, text))
        elif tag == "summary":
            found["summaries"].append((text, el.getparent().get("open") is not None))
        if source and "wp-block-pullquote" in _classes(el) and tag != "blockquote" and el.find(".//blockquote") is None:
            found["quotes"].append(words(text))  # the aside form of a pullquote
        if source and "wp-block-embed__wrapper" in _classes(el) and el.find(".//iframe") is None and text:
            found["links"].append(text)  # an embed the feed gave as its bare address
        style = el.get("style") or ""
        background = re.search(r"background-image:\s*url\(\s*[\"']?([^\"')]+)", style)
        if source and background and not el.findall(".//img") and not el.findall(".//video"):
            found["images"].append((urljoin(BASE, background.group(1)), ""))
    found["verse"] = verse
    # The page title is the only h1: a body that starts at h1 moves every heading one level down.
    if source and any(level == 1 for level, _ in found["headings"]):
        found["headings"] = [(min(6, level + 1), text) for level, text in found["headings"]]
    found["words"] = words(" ".join(root.text_content().split()))
    found["images"] = list(dict.fromkeys(found["images"]))  # image-fill repeats its picture as a background
    found["links"] = list(dict.fromkeys(found["links"]))
    return found


def fetch_and_render(html: str, embeds: str = "iframe") -> tuple[str, tuple[str, ...], str]:
    markdown, dropped = convert(html, BASE)
    return markdown, dropped, Renderer("/", "kowp.github.io", embeds).render(markdown).html


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_block_round_trip(case: Case) -> None:
    markdown, dropped, rendered = fetch_and_render(case.html)
    want = facts(case.html, source=True)
    got = facts(rendered, source=False)
    want_verse = facts(case.html, source=True)["verse"]
    if not want_verse:  # only a verse's paragraphs are compared line by line
        got["verse"] = []
    for name in FACTS:
        if name in case.losses:
            assert got[name] != want[name], f"{case.id}: the loss of {name} is declared but nothing was lost"
            continue
        assert got[name] == want[name], f"{case.id}: {name} differ\nMarkdown:\n{markdown}"
    if case.lost_words:
        remaining = list(want["words"])
        for word in reversed(case.lost_words):  # the lost words come last, as forms and buttons do
            del remaining[len(remaining) - 1 - remaining[::-1].index(word)]
        assert got["words"] == remaining, markdown
    assert len(dropped) == len(case.dropped), dropped
    for said, expected in zip(dropped, case.dropped, strict=True):
        assert expected in said
    for noise in NOISE:
        assert noise not in markdown, f"{case.id}: {noise!r} in the Markdown:\n{markdown}"


def test_every_core_block_has_a_case() -> None:
    blocks = {
        "paragraph", "heading", "list", "quote", "image", "gallery", "audio", "video", "file", "code",
        "preformatted", "verse", "pullquote", "table", "buttons", "columns", "group", "cover", "media-text",
        "separator", "spacer", "details", "accordion", "embed", "html", "footnotes", "more", "nextpage",
        "shortcode", "social-links", "search", "form", "text-columns", "freeform", "latest-posts", "tag-cloud",
        "archives", "table-of-contents", "block", "calendar", "categories", "latest-comments", "rss", "page-list",
    }  # fmt: skip
    saved = " ".join(c.html for c in CASES)
    missing = [b for b in blocks if f"wp:{b}" not in saved and f"wp-block-{b}" not in saved and b != "freeform"]
    assert missing == []
    assert any("wp:" not in c.html for c in CASES)  # the classic editor's plain HTML


@pytest.mark.parametrize(
    ("case_id", "markdown"),
    [
        ("audio", f'<audio controls src="{MP3}"></audio>\n\n*WP Briefing, episode 110*\n'),
        ("video", f'<video controls src="{MP4}"></video>\n\n*The release video*\n'),
        ("video-data", "*My video*\n"),
        (
            "verse",
            "The wind sweeps *low*\\\n\xa0\xa0\xa0\xa0across the plain,\\\n"
            "\xa0\xa0\xa0\xa0\xa0\xa0\xa0\xa0bending the **grass**\n\nA second stanza\\\nends here.\n",
        ),
        (
            "preformatted",
            "<pre>Name      Version\nWordPress  6.9    <strong>stable</strong>\n\n\n  a &lt;tag&gt; &amp; "
            '<a href="https://wordpress.org/news/">link</a>   \n<em>end</em>  </pre>\n',
        ),
        (
            "description-list",
            '<dl>\n<dt>Block</dt>\n<dd>A piece of a post, <em>like</em> a <a href="'
            'https://wordpress.org/news/2026/05/blocks/">paragraph</a>.</dd>\n<dt>Theme</dt>\n<dt>Skin</dt>\n'
            "<dd>How the site looks.</dd>\n</dl>\n",
        ),
        (
            "details",
            "<details>\n<summary>Read <strong>more</strong></summary>\n\nHidden *content*.\n\n"
            "- Hidden item\n\n</details>\n",
        ),
        ("file", f"[Field guide]({FILES}guide.pdf)\n"),
        ("table-footer-first", "| Head |\n| --- |\n| Body |\n| Foot |\n"),
        ("pullquote-aside", "> An aside pullquote\n>\n> in two paragraphs\n>\n> — The citation\n"),
        ("cover-deprecated-background", f"![]({FILES}old-cover.jpg)\n\n## **Cover Image**\n"),
        ("accordion", "### What is new?\n\nAccordion panel content.\n"),
        (
            "footnotes",
            "A claim[^1] and another[^2].\n\n[^1]: The *source*.\n"
            "[^2]: See [Make Core](https://make.wordpress.org/core/).\n",
        ),
    ],
)
def test_the_markdown_a_translator_edits(case_id: str, markdown: str) -> None:
    """The forms the README documents, exactly."""
    case = next(c for c in CASES if c.id == case_id)
    assert convert(case.html, BASE)[0] == markdown


def test_with_embeds_as_links_media_are_links_with_a_label() -> None:
    """The default: no player and no iframe, so the page asks no other server for anything."""
    html = next(c for c in CASES if c.id == "audio").html + next(c for c in CASES if c.id == "video").html
    markdown, _, rendered = fetch_and_render(html, embeds="link")
    root = lxml.html.fragment_fromstring(rendered, create_parent="div")
    assert [el.tag for el in root.iter("audio", "video", "iframe", "source")] == []
    links = [(a.get("href"), a.text_content(), a.get("class")) for a in root.iter("a")]
    assert links == [
        (MP3, "오디오 듣기 (WP-Briefing-110.mp3)", "media"),
        (MP4, "동영상 보기 (release-6-9.mp4)", "media"),
    ]


def test_players_load_nothing_until_pressed_and_only_from_allowed_hosts() -> None:
    markdown = (
        f'<audio controls src="{MP3}"></audio>\n\n<video src="episode.mp4" autoplay loop muted poster="{FILES}p.jpg">'
        '</video>\n\n<video controls src="https://cdn.example.net/x.mp4"></video>\n'
    )
    root = lxml.html.fragment_fromstring(
        Renderer("/", "kowp.github.io", "iframe").render(markdown).html, create_parent="div"
    )
    players = [(el.tag, dict(el.attrib)) for el in root.iter("audio", "video")]
    assert players == [
        ("audio", {"controls": "", "preload": "none", "src": MP3}),
        ("video", {"controls": "", "preload": "none", "src": "episode.mp4"}),  # the post's own folder
    ]
    # Another host would see every reader: its video is only a link there.
    assert [(a.get("href"), a.text_content()) for a in root.iter("a")] == [
        ("https://cdn.example.net/x.mp4", "동영상 보기 (x.mp4)")
    ]


# --- the fetch summary says what was left out -------------------------------------------------------


def _feed_with(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>News</title>'
        "<link>https://wordpress.org/news/</link><item><title>Media post</title>"
        "<link>https://wordpress.org/news/2026/05/media-post/</link><pubDate>Fri, 01 May 2026 10:00:00 +0000"
        '</pubDate><guid isPermaLink="false">https://wordpress.org/news/?p=42</guid>'
        f"<content:encoded><![CDATA[{body}]]></content:encoded></item></channel></rss>"
    ).encode()


def test_fetch_reports_what_the_markdown_left_out(site, capsys, tmp_path) -> None:
    feed = tmp_path / "feed.xml"
    video = next(c for c in CASES if c.id == "video-data").html
    feed.write_bytes(_feed_with(p("Intro.") + video))
    assert main(["fetch", "--root", str(site.root), "--from-file", str(feed), "--json"]) == 0
    out, err = capsys.readouterr()
    path = "content/posts/2026/05/media-post"
    assert json.loads(out)["dropped"] == [
        {"path": path, "dropped": [f"a data: video ({len(BASE64_VIDEO):,} characters of base64)"]}
    ]
    assert f"warning: {path}/en.md: left out of the Markdown: a data: video" in err
    en = (site.root / path / "en.md").read_text(encoding="utf-8")
    assert en.endswith("\nIntro.\n\n*My video*\n") and "base64" not in en

    # Unchanged on the next run: nothing is written, so nothing is reported again.
    assert main(["fetch", "--root", str(site.root), "--from-file", str(feed), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["dropped"] == [] and "left out" not in err


def test_fetch_of_a_post_without_losses_reports_none(site, capsys, tmp_path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(_feed_with(next(c for c in CASES if c.id == "audio").html))
    assert main(["fetch", "--root", str(site.root), "--from-file", str(feed), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["dropped"] == [] and "left out" not in err
