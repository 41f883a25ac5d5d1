"""A labelled synthetic corpus for evaluating the scanner: seeded, every value invented.

Each document is a notice with running text and a list (the kind that leaks: 补贴发放名单), written
in one of the six formats. Every personal value placed in it is recorded as a ``Label``; decoys
that only look like personal data (18-digit order numbers with a wrong check character, 20-digit
timestamps, invoice codes, Luhn-failing card-like numbers, properly masked IDs, document numbers)
are placed too and counted, so that a false alarm on them shows as lost precision.

ID numbers are built with ``citizen_id.check_char`` over real county codes of the 2020 division
table; names from the surname list and a pool of given-name characters; addresses from real
division names with invented roads and door numbers.

With ``widths=True`` every value is written in a width variant as typed with a Chinese input
method: entirely full-width (１１０１０１…２８Ｘ, ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ) or mixed, each
character half- or full-width at random (１１０101…28Ｘ); minority names get the katakana
middle dot (・ or ･). Decoys, order numbers, amounts and statistics are widened the same way, so
that precision is measured on full-width negatives too. Without it the corpus is exactly the one
of earlier releases (no extra random draws), so figures stay comparable.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from headcount.identity import check_char, divisions
from headcount.scan.findings import PiiType
from headcount.scan.formats.render import FORMATS, Content, render
from headcount.scan.numbers import MOBILE_PREFIXES, luhn_ok

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
_COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容")
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅文斌宇浩凯鹏飞晨欣怡子涵雨轩"
)
_MINORITY = ("阿依古丽·买买提", "热依拉·艾力", "古丽米拉·吐尔逊", "扎西·次仁", "巴特尔·那顺")
_ROADS = "人民解放建设中山和平胜利新华光明幸福友谊文化朝阳团结东风"
_ROAD_KINDS = ("路", "街", "大道", "巷", "大街")
_AREAS = (
    *("010", "021", "022", "023", "020", "025", "027", "028", "029", "0755", "0571", "0512"),
    *("0531", "0371", "0311", "0351", "0471", "0431", "0451", "0551", "0591", "0791"),
)
_DOMAINS = ("example.com", "example.org", "mail.example.cn")
# ASCII and its full-width form (U+FF01–FF5E; the space becomes the ideographic space U+3000).
_FULL = {c: chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {0x20: "\u3000"}
_FULL_TABLE = str.maketrans(_FULL)


@dataclass(frozen=True, slots=True)
class Label:
    file: str
    type: PiiType
    value: str


@dataclass(slots=True)
class Corpus:
    root: Path
    files: list[Path] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    decoys: int = 0


def full_width(text: str) -> str:
    """Every ASCII character of ``text`` in its full-width form."""
    return text.translate(_FULL_TABLE)


def mixed_width(rng: random.Random, text: str) -> str:
    """Some ASCII characters of ``text`` full-width, chosen at random, and at least one of each
    width when there are two or more (a single one is made full-width)."""
    places = [i for i, c in enumerate(text) if ord(c) in _FULL]
    if len(places) < 2:
        return full_width(text)
    wide = {i for i in places if rng.random() < 0.5}
    if not wide:
        wide.add(rng.choice(places))
    elif len(wide) == len(places):
        wide.discard(rng.choice(places))
    return "".join(_FULL[ord(c)] if i in wide else c for i, c in enumerate(text))


class _Values:
    """Random synthetic values, each returned as (rendered text, type)."""

    def __init__(self, rng: random.Random, widths: bool = False) -> None:
        self.rng = rng
        self.widths = widths
        table = divisions()
        self.counties = sorted(d.code for d in table.counties())
        self.table = table

    def written(self, text: str) -> str:
        """``text`` as it is written in this corpus: unchanged, or (``widths``) full or mixed."""
        if not self.widths:
            return text
        if self.rng.random() < 0.5:
            return full_width(text)
        return mixed_width(self.rng, text)

    def citizen_id(self) -> str:
        return self.written(self._citizen_id())

    def _citizen_id(self) -> str:
        r = self.rng
        born = f"{r.randint(1930, 2019)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"
        first17 = r.choice(self.counties) + born + f"{r.randint(0, 999):03d}"
        number = first17 + check_char(first17)
        style = r.random()
        if number.endswith("X") and style < 0.5:
            return number[:-1] + "x"
        if style < 0.08:
            return f"{number[:6]} {number[6:14]} {number[14:]}"
        if style < 0.13:
            return f"{number[:6]}-{number[6:14]}-{number[14:]}"
        if style < 0.18:
            return number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        return number

    def mobile(self) -> str:
        return self.written(self._mobile())

    def _mobile(self) -> str:
        r = self.rng
        number = r.choice(sorted(MOBILE_PREFIXES)) + f"{r.randint(0, 99_999_999):08d}"
        style = r.random()
        if style < 0.1:
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        if style < 0.2:
            return f"{number[:3]}-{number[3:7]}-{number[7:]}"
        if style < 0.3:
            return f"+86 {number}"
        return number

    def landline(self) -> str:
        return self.written(self._landline())

    def _landline(self) -> str:
        r = self.rng
        area = r.choice(_AREAS)
        local = str(r.randint(2, 8)) + "".join(str(r.randint(0, 9)) for _ in range(7))
        style = r.random()
        if style < 0.2:
            return f"({area}){local}"
        if style < 0.3:
            return f"+86 {area[1:]} {local[:4]} {local[4:]}"
        return f"{area}-{local}"

    def bank_card(self) -> str:
        return self.written(self._bank_card())

    def _bank_card(self) -> str:
        r = self.rng
        length = r.choice((16, 19, 19))
        body = r.choice(("6222", "6228", "6217", "6214", "4367", "5187"))
        body += "".join(str(r.randint(0, 9)) for _ in range(length - 5))
        number = body + next(d for d in "0123456789" if luhn_ok(body + d))
        if r.random() < 0.3:
            return " ".join(number[i : i + 4] for i in range(0, length, 4))
        return number

    def email(self) -> str:
        return self.written(self._email())

    def _email(self) -> str:
        r = self.rng
        local = "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(4, 9)))
        return f"{local}{r.randint(1, 999)}@{r.choice(_DOMAINS)}"

    def passport(self) -> tuple[str, PiiType]:
        r = self.rng
        kind = r.random()
        digits = "".join(str(r.randint(0, 9)) for _ in range(8))
        if kind < 0.5:
            return (self.written(r.choice("EG") + digits), "passport")
        if kind < 0.8:
            return (self.written(r.choice("HMC") + digits), "hk_macau_permit")
        return (self.written("L" + digits), "taiwan_permit")

    def name(self, minority: bool = False) -> str:
        r = self.rng
        if minority:
            name = r.choice(_MINORITY)
            return name.replace("·", r.choice("・･")) if self.widths else name
        surname = r.choice(_COMPOUND) if r.random() < 0.05 else r.choice(_SURNAMES)
        return surname + "".join(r.choice(_GIVEN) for _ in range(r.choice((1, 2, 2))))

    def address(self) -> str:
        return self.written(self._address())

    def _address(self) -> str:
        r = self.rng
        county = r.choice(self.counties)
        chain = [d.name for d in self.table.path(county) if d.name not in ("市辖区", "县")]
        townships = self.table.townships(county)
        town = r.choice(townships).name if townships else ""
        road = "".join(r.sample(_ROADS, 2)) + r.choice(_ROAD_KINDS)
        door = f"{r.randint(1, 300)}号"
        if r.random() < 0.5:
            door += (
                f"{r.randint(1, 30)}栋{r.randint(1, 6)}单元{r.randint(1, 30)}0{r.randint(1, 4)}室"
            )
        return "".join(chain) + town + road + door


def _decoys(rng: random.Random, values: _Values) -> list[str]:
    """Strings that must not be reported: each validator has to say no."""
    first17 = rng.choice(values.counties) + "19850615" + f"{rng.randint(0, 999):03d}"
    good = check_char(first17)
    bad = next(c for c in "0123456789X" if c != good)
    card = "6222" + "".join(str(rng.randint(0, 9)) for _ in range(11))
    card += next(d for d in "0123456789" if not luhn_ok(card + d))
    masked_id = values.citizen_id()
    return [
        f"订单号：{first17}{bad}",
        f"交易流水号 2020{rng.randint(10, 12)}{rng.randint(10, 28)}{rng.randint(10**11, 10**12)}",
        f"发票代码 0{rng.randint(1100, 6500)}{rng.randint(19, 21)}00{rng.randint(100, 999)}",
        f"参考号 {card}",
        f"已脱敏：{masked_id[:1]}{'*' * 16}{masked_id[-1:]}",
        f"依据国发〔2020〕{rng.randint(1, 40)}号文件，乘坐地铁{rng.randint(1, 9)}号线",
        f"全国人口共{rng.randint(100000, 150000)}万人，增长{rng.randint(10, 99) / 10}%",
        "服务热线 12345，统计时间 2020-11-01 00:00:00",
    ]


def _document(rng: random.Random, values: _Values) -> tuple[Content, list[tuple[PiiType, str]]]:
    labels: list[tuple[PiiType, str]] = []

    def put(kind: PiiType, value: str) -> str:
        labels.append((kind, value))
        return value

    lines = [f"关于{rng.choice(['临时救助', '高龄津贴', '低保', '普查补贴'])}发放情况的公示"]
    for _ in range(rng.randint(2, 5)):
        template = rng.randrange(9)
        if template == 0:
            name, number = put("name", values.name()), put("citizen_id", values.citizen_id())
            lines.append(
                f"申请人{name}，身份证号码{number}，联系电话{put('mobile', values.mobile())}。"
            )
        elif template == 1:
            lines.append(f"住址：{put('address', values.address())}")
        elif template == 2:
            email, phone = put("email", values.email()), put("landline", values.landline())
            lines.append(f"如有疑问请发邮件至{email}或致电{phone}。")
        elif template == 3:
            value, kind = values.passport()
            label = {"passport": "护照号码", "hk_macau_permit": "通行证号码"}.get(
                kind, "通行证号码"
            )
            lines.append(f"{label}：{put(kind, value)}")
        elif template == 4:
            lines.append(f"款项已汇入银行卡 {put('bank_card', values.bank_card())}。")
        elif template == 5:
            lines.append(
                f"联系人：{put('name', values.name())}，手机 {put('mobile', values.mobile())}"
            )
        elif template == 6:
            lines.append(values.written(rng.choice(_decoys(rng, values))))
        elif template == 7:
            lines.append(f"{put('name', values.name())} {put('citizen_id', values.citizen_id())}")
        elif rng.random() < 0.3:
            # A name with no label, no column and no ID beside it: the scanner is not expected to
            # find it, and the evaluation says so (name recall below 100 %).
            lines.append(f"走访中，{put('name', values.name())}对工作表示满意。")
        else:
            lines.append("本名单公示期为七天，如有异议请向社区居委会反映。")
    header = [
        "序号",
        "姓名",
        "身份证号",
        "联系电话",
        "家庭住址",
        "银行卡号",
        "金额（元）",
        "订单号",
    ]
    rows: list[list[str]] = []
    for serial in range(1, rng.randint(3, 12) + 1):
        order = rng.choice(values.counties) + f"{rng.randint(10**11, 10**12 - 1)}"
        if check_char(order[:17]) == order[17]:
            order = order[:17] + ("1" if order[17] == "0" else "0")
        phone_kind: PiiType = "mobile" if rng.random() < 0.8 else "landline"
        phone = values.mobile() if phone_kind == "mobile" else values.landline()
        rows.append(
            [
                values.written(str(serial)),
                put("name", values.name(minority=rng.random() < 0.05)),
                put("citizen_id", values.citizen_id()),
                put(phone_kind, phone),
                put("address", values.address()),
                put("bank_card", values.bank_card()),
                values.written(f"{rng.randint(100, 5000)}.00"),
                values.written(order),
            ]
        )
    return Content(lines, header, rows), labels


_BULLETIN = (
    "{place}常住人口为{a}人，与2010年第六次全国人口普查相比，增加{b}人，增长{p}%，年平均增长率为{q}%。",
    "{place}共有家庭户{a}户，集体户{b}户，家庭户人口为{c}人，平均每个家庭户的人口为{r}人。",
    "{place}居住在城镇的人口为{a}人，占{p}%；居住在乡村的人口为{b}人，占{q}%。",
    "{place}0—14岁人口为{a}人，占{p}%；15—59岁人口为{b}人，占{q}%；60岁及以上人口为{c}人。",
    "{place}拥有大学文化程度的人口为{a}人，每10万人中拥有大学文化程度的由{b}人上升为{c}人。",
    "普查登记的{a}个普查小区中，{place}共选派普查指导员和普查员{b}人，比上次普查增加{p}%。",
    "本公报数据为初步汇总数据，普查标准时点为2020年11月1日零时，数据截至{y}年{m}月{d}日。",
    "根据国务院第七次全国人口普查领导小组办公室〔{y}〕{m}号文件，{place}于{y}年{m}月完成事后质量抽查。",
)


def _bulletin(rng: random.Random, values: _Values) -> tuple[Content, list[tuple[PiiType, str]]]:
    """A statistical bulletin: numbers everywhere, personal data only in the contact line."""
    places = [d.name for d in values.table.counties() if d.name.endswith(("市", "区", "县"))]
    labels: list[tuple[PiiType, str]] = []
    lines = [f"第七次全国人口普查公报（第{rng.randint(1, 8)}号）"]
    for _ in range(rng.randint(12, 30)):
        template = rng.choice(_BULLETIN)
        line = template.format(
            place=rng.choice(places),
            a=rng.randint(10**5, 10**9),
            b=rng.randint(10**4, 10**8),
            c=rng.randint(10**4, 10**8),
            p=rng.randint(1, 999) / 10,
            q=rng.randint(1, 999) / 100,
            r=rng.randint(200, 400) / 100,
            y=rng.randint(2019, 2022),
            m=rng.randint(1, 12),
            d=rng.randint(1, 28),
        )
        lines.append(values.written(line))
        if rng.random() < 0.1:
            lines.append(values.written(rng.choice(_decoys(rng, values))))
    name, phone, email = values.name(), values.landline(), values.email()
    labels += [("name", name), ("landline", phone), ("email", email)]
    lines.append(f"联系人：{name}，联系电话：{phone}，电子邮箱：{email}")
    header = ["地区", "常住人口（人）", "比重（%）", "家庭户（户）"]
    rows = [
        [
            rng.choice(places),
            values.written(str(rng.randint(10**5, 10**8))),
            values.written(f"{rng.randint(1, 999) / 100:.2f}"),
            values.written(str(rng.randint(10**4, 10**7))),
        ]
        for _ in range(rng.randint(5, 20))
    ]
    return Content(lines, header, rows), labels


def generate(root: Path, documents: int, seed: int = 7, *, widths: bool = False) -> Corpus:
    """Write ``documents`` files under ``root`` and return their labels.

    Formats rotate; every other round of six is a bulletin (statistics, personal data only in the
    contact line) instead of a list (personal data on every row), as an office publishes both.
    With ``widths``, every value, decoy and statistic is written full-width or mixed-width.
    """
    rng = random.Random(seed)
    values = _Values(rng, widths)
    corpus = Corpus(root)
    root.mkdir(parents=True, exist_ok=True)
    for number in range(documents):
        kind = FORMATS[number % len(FORMATS)]
        bulletin = (number // len(FORMATS)) % 2 == 1
        content, labels = _bulletin(rng, values) if bulletin else _document(rng, values)
        path = root / f"{'bulletin' if bulletin else 'notice'}-{number:05d}.{kind}"
        render(content, kind, path)
        corpus.files.append(path)
        corpus.labels.extend(Label(str(path), k, v) for k, v in labels)
        corpus.decoys += sum(1 for line in content.lines if line.startswith(_DECOY_STARTS))
        corpus.decoys += 0 if bulletin else len(content.rows)  # one order number per row
    return corpus


_DECOY_STARTS = (
    "订单号",
    "交易流水号",
    "发票代码",
    "参考号",
    "已脱敏",
    "依据国发",
    "全国人口",
    "服务热线",
)
