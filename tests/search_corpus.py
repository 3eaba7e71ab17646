"""A small Korean corpus for search, with the queries each post must and must not answer.

Used by tests/test_search.py (the index read back in Python), tests/test_search_browser.py (the
real client in Chromium) and benchmarks/search.py (recall and precision@10).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.conftest import SiteBuilder

HOSTILE_TITLE = '<script>alert("제목")</script> 위험한 <img src=x onerror=alert(1)> 제목'


@dataclass(frozen=True)
class Post:
    slug: str
    title: str
    body: str
    month: int
    status: str = "published"
    categories: tuple[str, ...] = ("Releases",)


POSTS = (
    Post(
        "plugin-security",
        "플러그인 보안 업데이트 안내",
        "보안 팀은 인기 플러그인의 취약점을 수정했습니다. 사이트 관리자는 플러그인을 바로 업데이트해야 합니다.\n",
        1,
    ),
    Post(
        "wordpress-6-8",
        "워드프레스 6.8 릴리스",
        "워드프레스6.8은 블록 편집기를 개선했습니다. Gutenberg 프로젝트의 새 기능이 들어 있습니다.\n",
        2,
    ),
    Post(
        "keyword-research",
        "키워드 연구와 검색 최적화",
        "좋은 키워드를 고르면 글이 더 잘 발견됩니다. 키워드 도구에서 제안을 확인하세요.\n",
        3,
        categories=("Community",),
    ),
    Post(
        "theme-directory",
        "테마 디렉터리 새 단장",
        "테마 팀이 디렉터리에서 접근성 검사를 시작합니다. 마음에 드는 테마로 사이트를 꾸미세요.\n",
        4,
        categories=("Community",),
    ),
    Post(
        "seoul-meetup",
        "커뮤니티 밋업 소식",
        "서울에서 밋업이 열렸습니다. 자원봉사자와 함께 번역을 논의했습니다.\n",
        5,
        categories=("Community",),
    ),
    Post(
        "translators-wanted",
        "번역 팀 모집",
        "번역 팀은 새 기여자를 찾습니다. 한국어 번역에 참여하세요. 기여자는 용어집을 사용합니다.\n",
        6,
        categories=("Community",),
    ),
    Post(
        "performance-report",
        "성능 개선 보고서",
        "이번 릴리스는 페이지 로딩 성능을 개선합니다. 이미지와 스크립트가 더 빨라졌습니다. PHP 8.3을 지원합니다.\n",
        7,
    ),
    Post(
        "site-editor",
        "사이트 편집기 튜토리얼",
        "사이트 편집기로 템플릿을 수정하는 방법을 배웁니다. 블록 패턴도 다룹니다.\n",
        8,
    ),
    Post(
        "accessibility-day",
        "접근성 인식의 날",
        "접근성은 모두를 위한 것입니다. 키보드로만 사이트를 탐색해 보세요.\n",
        9,
        categories=("Community",),
    ),
    Post(
        "wordcamp-asia",
        "워드캠프 아시아 2026",
        "워드캠프 아시아가 도쿄에서 열립니다. 연사 신청을 받습니다.\n",
        10,
        categories=("Community",),
    ),
    Post(
        "rest-api",
        "REST API 변경 사항",
        "REST API 엔드포인트가 추가되었습니다. WP-CLI 명령도 업데이트했습니다.\n",
        11,
    ),
    Post(
        "code-sample",
        "코드 예제 모음",
        "코드 예제를 소개합니다.\n\n```php\n// 비밀코드단어\necho 'hidden';\n```\n\n예제는 자유롭게 쓰세요.\n",
        12,
    ),
    Post(
        "hostile",
        HOSTILE_TITLE,
        '위험한 본문입니다. <script>alert("본문")</script><img src=x onerror=alert(3)> 안전하게 보여야 합니다.\n',
        12,
    ),
    Post("draft-post", "비공개 초안", "비공개초안 단어는 검색되지 않아야 합니다.\n", 12, status="draft"),
    Post("review-post", "검토 중인 글", "검토중단어 역시 아직 공개되지 않았습니다.\n", 12, status="review"),
)

ALL = frozenset(p.slug for p in POSTS if p.status == "published")


@dataclass(frozen=True)
class Query:
    text: str
    must: frozenset[str]  # the relevant posts: every one must be found
    must_not: frozenset[str] = frozenset()  # found by none of them


def q(text: str, must: str = "", must_not: str = "") -> Query:
    return Query(text, frozenset(must.split()), frozenset(must_not.split()))


PLUGIN = "plugin-security"
QUERIES = (
    # bare nouns
    q("플러그인", PLUGIN, "theme-directory rest-api"),
    q("보안", PLUGIN, "performance-report"),
    q("접근성", "accessibility-day theme-directory", "keyword-research"),
    q("밋업", "seoul-meetup"),
    q("기여자", "translators-wanted"),
    # each particle
    q("플러그인을", PLUGIN),
    q("플러그인를", PLUGIN),
    q("플러그인이", PLUGIN),
    q("플러그인가", PLUGIN),
    q("플러그인은", PLUGIN),
    q("플러그인는", PLUGIN),
    q("플러그인의", PLUGIN),
    q("플러그인에", PLUGIN),
    q("플러그인에서", PLUGIN),
    q("플러그인으로", PLUGIN),
    q("테마로", "theme-directory"),
    q("플러그인와", PLUGIN),
    q("플러그인과", PLUGIN),
    q("플러그인도", PLUGIN),
    q("플러그인만", PLUGIN),
    q("서울", "seoul-meetup"),
    q("키보드로", "accessibility-day"),
    q("워드캠프가", "wordcamp-asia"),
    q("번역을", "translators-wanted seoul-meetup"),
    # 하다 endings
    q("업데이트했습니다", f"{PLUGIN} rest-api"),
    q("개선합니다", "performance-report wordpress-6-8"),
    q("수정하다", f"{PLUGIN} site-editor"),
    q("탐색합니다", "accessibility-day"),
    # English and numbers
    q("Gutenberg", "wordpress-6-8"),
    q("gutenberg", "wordpress-6-8"),
    q("PHP", "performance-report"),
    q("REST API", "rest-api", "performance-report"),
    q("6.8", "wordpress-6-8", "performance-report"),
    q("8.3", "performance-report", "wordpress-6-8"),
    # mixed
    q("워드프레스 6.8", "wordpress-6-8", "wordcamp-asia keyword-research"),
    q("워드프레스6.8은", "wordpress-6-8"),
    q("REST API 엔드포인트가", "rest-api"),
    q("워드", "wordpress-6-8 wordcamp-asia keyword-research"),
    # never found: drafts, reviews, code blocks, words nobody wrote
    q("비공개초안", "", " ".join(sorted(ALL))),
    q("검토중단어", "", " ".join(sorted(ALL))),
    q("비밀코드단어", "", " ".join(sorted(ALL))),
    q("없는낱말", "", " ".join(sorted(ALL))),
    q("코드", "code-sample"),
    q("위험한", "hostile"),
)


def write_corpus(builder: SiteBuilder) -> SiteBuilder:
    for post in POSTS:
        builder.post(
            post.slug,
            month=post.month,
            en={"title": f"English {post.slug}", "categories": post.categories},
            ko={
                "title": post.title,
                "status": post.status,
                "translated": f"2026-{post.month:02d}-20" if post.status == "published" else None,
                "body": post.body,
            },
        )
    return builder


def measure(search) -> dict[str, float]:  # noqa: ANN001 - query text -> ranked slugs
    """Mean recall and precision@10 over :data:`QUERIES` with relevant posts, for ``search``."""
    recalls, precisions = [], []
    for query in QUERIES:
        if not query.must:
            continue
        found = search(query.text)
        top = found[:10]
        recalls.append(len(query.must & set(found)) / len(query.must))
        precisions.append(len(query.must & set(top)) / len(top) if top else 0.0)
    return {
        "queries": len(recalls),
        "recall": sum(recalls) / len(recalls),
        "precision_at_10": sum(precisions) / len(precisions),
    }
