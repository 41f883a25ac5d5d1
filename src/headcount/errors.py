"""The one problem catalogue of Headcount.

Every error a user can see has a stable code, an HTTP status and a message in zh-CN and English.
Codes never change meaning once released; retired codes are not reused.

    HeadcountError                 raised by any layer with a Problem and its details
     └── the web layer renders it as JSON (/api) or an HTML page; the CLI prints it and exits 2

Ranges (one block per package; add new problems at the end of their block):
    E10xx  general input (files, JSON, arguments)
    E11xx  identity: citizen ID numbers, division codes
    E12xx  questionnaire: form definitions and submitted answers
    E13xx  synth: synthetic population
    E14xx  privacy: crypto, keys, blind indexes
    E15xx  audit log
    E16xx  store: database, migrations, backup
    E17xx  scan: PII scanner, redactor, publish gate
    E18xx  processing: extract, counting, tables, communiqués, publication bundle
    E20xx+ web, authentication, fieldwork (reserved)

Messages are str.format templates over the error's details; details never carry personal data in
clear (a masked value at most), because errors end up in logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Lang = Literal["zh", "en"]


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    status: int
    zh: str
    en: str

    def message(self, lang: Lang = "zh", **details: Any) -> str:
        template = self.zh if lang == "zh" else self.en
        try:
            return template.format(**details)
        except (KeyError, IndexError, ValueError):
            return template


CATALOGUE: dict[str, Problem] = {}


def _p(code: str, status: int, zh: str, en: str) -> Problem:
    if code in CATALOGUE:
        raise RuntimeError(f"duplicate problem code {code}")
    problem = Problem(code, status, zh, en)
    CATALOGUE[code] = problem
    return problem


def _rebuild(problem: Problem, details: dict[str, Any]) -> HeadcountError:
    return HeadcountError(problem, **details)


class HeadcountError(Exception):
    """An expected failure with a catalogued problem; never carries personal data in clear."""

    def __init__(self, problem: Problem, **details: Any) -> None:
        self.problem = problem
        self.details = details
        super().__init__(f"{problem.code}: {problem.message('en', **details)}")

    def __reduce__(self) -> tuple[Any, tuple[Problem, dict[str, Any]]]:
        # A worker process's error reaches the parent whole (the default pickling would call
        # __init__ with the message string as the problem and break the process pool).
        return _rebuild, (self.problem, self.details)

    @property
    def code(self) -> str:
        return self.problem.code

    def message(self, lang: Lang = "zh") -> str:
        return self.problem.message(lang, **self.details)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.problem.code,
            "status": self.problem.status,
            "message": {"zh": self.message("zh"), "en": self.message("en")},
            "details": self.details,
        }


@dataclass(slots=True)
class ProblemList:
    """Several problems collected before raising (e.g. every invalid field of one file)."""

    items: list[HeadcountError] = field(default_factory=list)

    def add(self, problem: Problem, **details: Any) -> None:
        self.items.append(HeadcountError(problem, **details))

    def __bool__(self) -> bool:
        return bool(self.items)


# --- E10xx general input -------------------------------------------------------------------
FILE_NOT_FOUND = _p("E1001", 404, "找不到文件：{path}", "File not found: {path}")
FILE_UNREADABLE = _p(
    "E1002", 400, "无法读取文件：{path}（{reason}）", "Cannot read file: {path} ({reason})"
)
JSON_INVALID = _p(
    "E1003",
    400,
    "JSON 格式错误：第 {line} 行第 {column} 列",
    "Malformed JSON at line {line}, column {column}",
)
ARGUMENT_INVALID = _p(
    "E1004", 400, "参数 {name} 无效：{reason}", "Invalid argument {name}: {reason}"
)
SETTING_INVALID = _p(
    "E1005", 500, "配置项 {name} 无效：{reason}", "Invalid setting {name}: {reason}"
)

INTERNAL = _p(
    "E1000",
    500,
    "系统内部错误，请稍后重试（参考编号 {request_id}）",
    "Internal error; please try again later (reference {request_id})",
)
REQUEST_INVALID = _p(
    "E1006",
    422,
    "请求内容不符合要求：{fields}",
    "The request is not valid: {fields}",
)
BODY_TOO_LARGE = _p(
    "E1007",
    413,
    "请求内容过大（上限 {limit} 字节）",
    "The request is too large (limit {limit} bytes)",
)
ROUTE_NOT_FOUND = _p("E1008", 404, "找不到该页面或接口", "No such page or endpoint")
METHOD_NOT_ALLOWED = _p("E1009", 405, "不支持该请求方法", "This method is not allowed here")
CONTROL_CHARACTER = _p(
    "E1010",
    422,
    "请求的{where}中含有不允许的控制字符（如 NUL）",
    "The request's {where} contains a control character that is not allowed (such as NUL)",
)
JSON_TOO_DEEP = _p(
    "E1011",
    422,
    "JSON 内容嵌套超过 {limit} 层",
    "The JSON content is nested more than {limit} levels deep",
)
VALUE_NOT_STORABLE = _p(
    "E1012",
    422,
    "请求中的某个值无法保存（例如超出范围的数字或不允许的字符）",
    "A value in the request cannot be stored (an out-of-range number or a character that is "
    "not allowed, for example)",
)

# --- E11xx identity ------------------------------------------------------------------------
ID_EMPTY = _p("E1101", 400, "公民身份号码为空", "The citizen ID number is empty")
ID_LENGTH = _p(
    "E1102",
    400,
    "公民身份号码应为 18 位，实际为 {length} 位",
    "A citizen ID number has 18 characters; this one has {length}",
)
ID_CHARACTERS = _p(
    "E1103",
    400,
    "公民身份号码第 {position} 位含有不允许的字符",
    "Character {position} of the citizen ID number is not allowed",
)
ID_CHECK_CHARACTER = _p(
    "E1104",
    400,
    "公民身份号码校验码不正确",
    "The check character of the citizen ID number is wrong",
)
ID_DATE_INVALID = _p(
    "E1105",
    400,
    "公民身份号码中的出生日期不存在",
    "The birth date in the citizen ID number is not a real date",
)
ID_BORN_AFTER_REFERENCE = _p(
    "E1106",
    422,
    "公民身份号码中的出生日期晚于普查标准时点",
    "The birth date in the citizen ID number is after the census reference time",
)
ID_ADDRESS_UNKNOWN = _p(
    "E1107",
    422,
    "公民身份号码的地址码 {address_code} 不在行政区划代码表中，需比对复查",
    "Address code {address_code} of the citizen ID number is not in the division code table; "
    "flagged for record check",
)
ID_ADDRESS_OUT_OF_WINDOW = _p(
    "E1108",
    422,
    "地址码 {address_code} 在出生至普查期间未曾使用，需比对复查",
    "Address code {address_code} was not in use between the birth date and the census; "
    "flagged for record check",
)
ID_LEGACY_NOT_ALLOWED = _p(
    "E1109",
    400,
    "这是 15 位旧号码，请使用旧号码升位方式录入",
    "This is a legacy 15-digit number; enter it through the legacy-number path",
)
ID_SEX_MISMATCH = _p(
    "E1110",
    422,
    "公民身份号码显示的性别与填报的性别不一致",
    "The sex encoded in the citizen ID number differs from the reported sex",
)
ID_BIRTH_MISMATCH = _p(
    "E1111",
    422,
    "公民身份号码中的出生年月与填报的出生年月不一致",
    "The birth year and month in the citizen ID number differ from the reported ones",
)
ID_DATE_IMPLAUSIBLE = _p(
    "E1112",
    400,
    "公民身份号码中的出生年份 {year} 不合理",
    "The birth year {year} in the citizen ID number is implausible",
)
ID_PROVINCE_IMPOSSIBLE = _p(
    "E1113",
    400,
    "公民身份号码前两位 {province} 不是 GB/T 2260 的省级行政区划代码，号码不可能存在",
    "The first two digits {province} of the citizen ID number are not a GB/T 2260 province "
    "code; no such number can exist",
)
DIVISION_UNKNOWN = _p(
    "E1120", 404, "行政区划代码 {code} 不存在", "Division code {code} does not exist"
)
DIVISION_MALFORMED = _p(
    "E1121",
    400,
    "行政区划代码应为 2、4、6、9 或 12 位数字：{code}",
    "A division code has 2, 4, 6, 9 or 12 digits: {code}",
)

# --- E12xx questionnaire -------------------------------------------------------------------
FORM_UNKNOWN = _p(
    "E1201",
    404,
    "没有名为 {form} 的普查表（可用：{known}）",
    "No form named {form} (known: {known})",
)
FORM_DEFINITION_INVALID = _p(
    "E1202",
    500,
    "普查表定义 {form} 有误：{reason}",
    "The definition of form {form} is invalid: {reason}",
)
RULE_SYNTAX = _p(
    "E1203",
    500,
    "规则表达式有误（{where}）：{reason}",
    "Rule expression error ({where}): {reason}",
)
HOUSEHOLD_MALFORMED = _p(
    "E1204",
    400,
    "户记录有 {count} 处格式错误，未作校验",
    "The household record has {count} malformed field(s) and was not checked",
)
FIELD_NOT_OBJECT = _p("E1205", 400, "{path} 应为 JSON 对象", "{path} must be a JSON object")
FIELD_UNKNOWN = _p(
    "E1206",
    400,
    "{path}：普查表 {form} 没有这个项目",
    "{path}: form {form} has no such item",
)
VALUE_TYPE = _p(
    "E1207",
    400,
    "{path}（{item}）的值应为{expected_zh}",
    "{path} ({item}) must be {expected_en}",
)
FIELD_MISSING = _p("E1208", 400, "缺少 {path}", "{path} is missing")
CONFIRMATION_INVALID = _p(
    "E1209",
    400,
    "{path}：确认项应写作“规则代码”或“规则代码@人序号”（死亡表为 @d序号）",
    "{path}: a confirmation reads RULE_CODE, RULE_CODE@person_no or RULE_CODE@d<death_no>",
)
FRAME_COLUMN_MISSING = _p(
    "E1210",
    400,
    "批量数据表 {table} 缺少列 {column}",
    "Batch frame {table} lacks column {column}",
)
FRAME_COLUMN_TYPE = _p(
    "E1211",
    400,
    "批量数据表 {table} 的列 {column} 类型为 {dtype}，应为 {expected}",
    "Column {column} of batch frame {table} has type {dtype}; expected {expected}",
)
FORM_PROVISIONAL = _p(
    "E1212",
    403,
    "普查表 {form} 尚未核实，需明确启用（--provisional）",
    "Form {form} is not verified yet and must be enabled explicitly (--provisional)",
)
FRAME_KEY_DUPLICATE = _p(
    "E1213",
    400,
    "批量数据表 {table} 中 {column} 有 {count} 个重复值",
    "Batch frame {table} has {count} duplicate value(s) in {column}",
)

# --- E13xx synth ---------------------------------------------------------------------------
SYNTH_CONFIG_INVALID = _p(
    "E1301",
    400,
    "合成人口配置文件 {path} 无效：{reason}",
    "Invalid synthetic-population config {path}: {reason}",
)
SYNTH_OUTPUT_NOT_EMPTY = _p(
    "E1302",
    409,
    "输出目录 {path} 已存在且不为空；请换一个目录或先删除它",
    "Output directory {path} exists and is not empty; choose another or remove it first",
)
SYNTH_PROVINCE_UNKNOWN = _p(
    "E1303",
    400,
    "省级代码 {code} 不是 31 个省（区、市）之一",
    "Province code {code} is not one of the 31 provinces",
)
SYNTH_NOT_A_POPULATION = _p(
    "E1304",
    400,
    "{path} 不是合成人口输出目录（缺少 manifest.json 或数据表 {table}）",
    "{path} is not a synthetic-population directory (manifest.json or table {table} missing)",
)
SYNTH_SIZE_INVALID = _p(
    "E1305",
    400,
    "人数 {persons} 无效：应在 {minimum} 至 {maximum} 之间",
    "Invalid number of persons {persons}: it must be between {minimum} and {maximum}",
)
SYNTH_WRITE_FAILED = _p(
    "E1306",
    507,
    "无法写入合成人口目录 {path}（{reason}）；未留下任何部分文件",
    "Cannot write the synthetic population to {path} ({reason}); no partial files were left",
)

# --- E14xx privacy -------------------------------------------------------------------------
CRYPTO_SELF_TEST_FAILED = _p(
    "E1401",
    500,
    "密码算法自检失败（{algorithm}），系统拒绝启动",
    "Cryptographic self-test failed ({algorithm}); refusing to start",
)
CRYPTO_PROFILE_UNKNOWN = _p(
    "E1402",
    500,
    "未知的密码配置 {profile}（应为 intl 或 gm）",
    "Unknown crypto profile {profile} (expected intl or gm)",
)
CIPHERTEXT_MISPLACED = _p(
    "E1403",
    500,
    "密文不属于此处（{table}.{column}），可能被移动到其他行或列",
    "Ciphertext does not belong here ({table}.{column}); it may have been moved from another "
    "row or column",
)
CIPHERTEXT_DAMAGED = _p(
    "E1404",
    500,
    "密文已损坏或被篡改（{where}）",
    "Ciphertext damaged or tampered with ({where})",
)
CIPHERTEXT_FORMAT = _p(
    "E1405",
    500,
    "密文格式无法识别（{reason}）",
    "Unrecognised ciphertext format ({reason})",
)
KEY_UNKNOWN = _p(
    "E1406",
    500,
    "找不到数据密钥 {key_id}",
    "Data key {key_id} not found",
)
SCOPE_SHREDDED = _p(
    "E1407",
    410,
    "范围 {scope} 的密钥已销毁（scope shredded），其数据已不可读",
    "Scope {scope} shredded: its keys were destroyed and its data can no longer be read",
)
KEY_FILE_EXISTS = _p(
    "E1408",
    409,
    "密钥文件 {path} 已存在，拒绝覆盖",
    "Key file {path} already exists; refusing to overwrite it",
)
KEY_FILE_PERMISSIONS = _p(
    "E1409",
    500,
    "密钥文件 {path} 的权限为 {mode}，同组或其他用户可读；请执行 chmod 600",
    "Key file {path} has mode {mode} and is readable by group or others; run chmod 600",
)
KEY_FILE_MALFORMED = _p(
    "E1410",
    500,
    "密钥文件 {path} 格式错误：{reason}",
    "Key file {path} is malformed: {reason}",
)
KEY_FILE_DEMO_REFUSED = _p(
    "E1411",
    500,
    "密钥文件 {path} 含公开的演示密钥，只能在 demo 模式下使用",
    "Key file {path} holds the well-known demo key, allowed in demo mode only",
)
KEY_FILE_PLACEHOLDER = _p(
    "E1412",
    500,
    "密钥文件 {path} 含占位密钥（非随机），拒绝使用",
    "Key file {path} holds a placeholder (non-random) key; refusing to use it",
)
KEY_STILL_IN_USE = _p(
    "E1413",
    409,
    "数据密钥 {key_id} 仍被 {rows} 行使用（或仍为当前密钥），不能停用",
    "Data key {key_id} is still used by {rows} rows (or is the active key); it cannot be disabled",
)
SCOPE_INVALID = _p(
    "E1414",
    400,
    "密钥范围 {scope} 无效，应为“普查轮次:区域代码”，如 2020:110101",
    "Invalid key scope {scope}; expected wave:area, e.g. 2020:110101",
)
KEY_FILE_MISSING = _p(
    "E1415",
    500,
    "找不到密钥文件 {path}；请先执行 headcount init",
    "Key file {path} not found; run headcount init first",
)
KEY_PROFILE_MISMATCH = _p(
    "E1416",
    500,
    "密钥文件使用 {actual} 密码配置，但要求 {expected}",
    "The key file uses crypto profile {actual}, but {expected} was requested",
)
KEY_DISABLED = _p(
    "E1417",
    500,
    "数据密钥 {key_id} 已停用，其密钥材料已销毁",
    "Data key {key_id} was disabled and its key material destroyed",
)
BLIND_INDEX_PARAMETER = _p(
    "E1418",
    400,
    "盲索引参数无效：{reason}",
    "Invalid blind index parameter: {reason}",
)

# --- E15xx audit ---------------------------------------------------------------------------
MERKLE_ARGUMENT = _p(
    "E1501",
    400,
    "默克尔树参数无效：{reason}",
    "Invalid Merkle tree argument: {reason}",
)
TREE_HEAD_FILE_MALFORMED = _p(
    "E1502",
    400,
    "签名树头文件 {path} 第 {line} 行格式错误：{reason}",
    "Signed tree head file {path}, line {line}, is malformed: {reason}",
)
TREE_HEAD_SIGNATURE_INVALID = _p(
    "E1503",
    422,
    "签名树头（规模 {size}）的签名无效",
    "The signature of the signed tree head of size {size} is invalid",
)
SIGNING_KEY_FILE = _p(
    "E1504",
    500,
    "审计签名密钥文件 {path} 不可用：{reason}",
    "Audit signing key file {path} cannot be used: {reason}",
)
TREE_HEAD_ROLLBACK = _p(
    "E1505",
    409,
    "拒绝导出规模为 {size} 的树头：已导出的最新树头规模为 {last}（日志不能回退或分叉）",
    "Refusing to export a head of size {size}: the last exported head has size {last} "
    "(the log cannot roll back or fork)",
)
AUDIT_SEQUENCE_GAP = _p(
    "E1506",
    409,
    "审计日志序号不连续：缺少第 {position} 条",
    "Audit log sequence has a gap: entry {position} is missing",
)
AUDIT_ENTRY_ALTERED = _p(
    "E1507",
    409,
    "审计日志第 {position} 至第 {until} 条之间有记录被修改、删除或调换（{evidence_zh}）",
    "An audit entry from {position} to {until} was altered, removed or reordered ({evidence_en})",
)
AUDIT_LOG_TRUNCATED = _p(
    "E1508",
    409,
    "审计日志被截断：只有 {size} 条，而签名树头记录了 {head_size} 条；自第 {position} 条起缺失",
    "Audit log truncated: {size} entries, but a signed tree head covers {head_size}; entries "
    "from {position} are missing",
)
AUDIT_ENTRIES_REORDERED = _p(
    "E1509",
    409,
    "审计日志第 {position} 条的序号（{sequence}）顺序错乱或重复",
    "Audit entry at position {position} has an out-of-order or repeated sequence number "
    "({sequence})",
)

AUDIT_ENTRY_BAD = _p(
    "E1520",
    422,
    "审计日志第 {position} 条{kind_zh}：{reason}",
    "Audit log entry {position} {kind_en}: {reason}",
)
AUDIT_NO_HEAD = _p(
    "E1521",
    422,
    "没有可用于核验的签名树头（{path}）；无法发现尾部被截断",
    "No signed tree head to verify against ({path}); a truncated tail cannot be detected",
)

# --- E16xx store ---------------------------------------------------------------------------
DATABASE_UNREACHABLE = _p(
    "E1601", 503, "无法连接数据库：{reason}", "Cannot connect to the database: {reason}"
)
DATABASE_NOT_DURABLE = _p(
    "E1602",
    500,
    "数据库设置 {setting} = {value} 不能保证已确认的提交不丢失，要求 {required}，拒绝启动",
    "Database setting {setting} = {value} can lose acknowledged submissions; "
    "{required} is required, refusing to start",
)
SCHEMA_NOT_CURRENT = _p(
    "E1603",
    500,
    "数据库结构版本为 {found}，应为 {expected}；请先运行 headcount migrate",
    "The database schema is at revision {found}, not {expected}; run headcount migrate first",
)
DATABASE_NOT_EMPTY = _p(
    "E1604",
    409,
    "目标数据库不是空的（表 {table} 已有 {rows} 行）",
    "The target database is not empty (table {table} has {rows} rows)",
)
DATABASE_URL_INVALID = _p(
    "E1605",
    400,
    "数据库地址无效：{reason}（支持 sqlite:///文件 或 postgresql+psycopg://…）",
    "Invalid database URL: {reason} (use sqlite:///FILE or postgresql+psycopg://…)",
)
VERSION_STALE = _p(
    "E1606",
    409,
    "住户 {household} 已有更新的版本 {current}，本次修改依据的版本 {given} 已过时",
    "Household {household} is at version {current}; this edit replaces stale version {given}",
)
SUBMISSION_CONFLICT = _p(
    "E1607",
    409,
    "提交编号 {submission} 已用于内容不同的另一次提交",
    "Submission {submission} was already used for a different payload",
)
HOUSEHOLD_NOT_FOUND = _p("E1608", 404, "找不到住户 {household}", "Household {household} not found")
BACKUP_INVALID = _p(
    "E1609", 400, "备份文件 {path} 无效：{reason}", "Backup file {path} is invalid: {reason}"
)
BACKUP_COUNT_MISMATCH = _p(
    "E1610",
    422,
    "恢复后表 {table} 有 {found} 行，备份清单记载 {expected} 行",
    "After restore, table {table} has {found} rows; the backup manifest says {expected}",
)
FIELD_UNREADABLE = _p(
    "E1611",
    422,
    "{table}.{column}（行 {row}）无法解密：{reason}",
    "{table}.{column} (row {row}) cannot be decrypted: {reason}",
)
IDENTITY_DUPLICATE = _p(
    "E1612",
    409,
    "公民身份号码 {masked} 已登记为另一身份记录",
    "Citizen ID {masked} is already registered as another identity",
)
LOAD_DIRECTORY_INVALID = _p(
    "E1613",
    400,
    "{path} 不是合成数据目录：{reason}",
    "{path} is not a synthetic data directory: {reason}",
)
ALREADY_INITIALISED = _p(
    "E1614",
    409,
    "数据库已初始化（已有系统管理员账户）",
    "The database is already initialised (a system administrator exists)",
)
HOUSEHOLD_NUMBER_TAKEN = _p(
    "E1615",
    409,
    "普查小区 {small_area} 的户编号 {household_no} 已被另一住户使用",
    "Household number {household_no} is already used in small area {small_area}",
)
SMALL_AREA_UNKNOWN = _p("E1616", 422, "普查小区 {code} 不存在", "Small area {code} does not exist")
WRITE_CONFLICT = _p(
    "E1617",
    409,
    "写入与并发修改冲突（{reason}），请重试",
    "The write conflicts with a concurrent change ({reason}); retry",
)
ROLE_SETUP_FAILED = _p(
    "E1618",
    500,
    "无法设置数据库角色 {role}：{reason}",
    "Cannot set up database role {role}: {reason}",
)
DATABASE_REFUSED = _p(
    "E1620",
    500,
    "数据库拒绝了此操作：{reason}",
    "The database refused the operation: {reason}",
)
# Storage faults, each named (all three once surfaced as one "OperationalError").
DATABASE_READ_ONLY = _p(
    "E1621",
    503,
    "数据库文件或磁盘为只读，无法写入（{where}）；请运维人员检查存储",
    "The database file or disk is read-only ({where}); operators must check the storage",
)
DISK_FULL = _p(
    "E1622",
    503,
    "数据库磁盘已满（{where}）；已提交的数据不会丢失，请运维人员释放空间",
    "The database disk is full ({where}); nothing already submitted is lost; "
    "operators must free space",
)
DATABASE_LOCKED = _p(
    "E1623",
    503,
    "数据库正忙（被锁定），请 {retry_after} 秒后重试；已提交的数据不会丢失",
    "The database is busy (locked); try again in {retry_after} seconds. "
    "Nothing already submitted is lost",
)
SUBMISSION_INVALID = _p(
    "E1619",
    400,
    "提交内容不符合住户数据格式：{reason}",
    "The submission is not a valid household record: {reason}",
)

# --- E17xx scan ----------------------------------------------------------------------------
SCAN_FORMAT_UNSUPPORTED = _p(
    "E1701",
    415,
    "不支持检查此类文件：{path}（支持 .txt .csv .xlsx .html .docx .pdf）",
    "Cannot scan this kind of file: {path} (supported: .txt .csv .xlsx .html .docx .pdf)",
)
SCAN_FILE_ENCRYPTED = _p(
    "E1702",
    422,
    "文件受密码保护或已加密，无法检查，也不能发布：{path}",
    "The file is password-protected or encrypted; it cannot be scanned or published: {path}",
)
SCAN_FILE_MALFORMED = _p(
    "E1703",
    422,
    "文件已损坏或格式不符：{path}（{reason}）",
    "The file is damaged or not in its stated format: {path} ({reason})",
)
SCAN_LEGACY_OFFICE = _p(
    "E1704",
    415,
    "不支持旧版 Office 二进制格式，请另存为 .xlsx 或 .docx 后再检查：{path}",
    "Legacy binary Office files are not supported; save as .xlsx or .docx first: {path}",
)
SCAN_NO_FILES = _p(
    "E1705",
    404,
    "{path} 中没有可检查的文件",
    "No file to scan in {path}",
)
REDACT_POLICY_INVALID = _p(
    "E1706",
    400,
    "脱敏策略文件无效：{path}（{reason}）",
    "Invalid masking policy file: {path} ({reason})",
)
REDACT_FORMAT_MISMATCH = _p(
    "E1707",
    400,
    "脱敏输出必须与输入格式相同：输入 {source}，输出 {target}",
    "The redacted copy must have the input's format: input {source}, output {target}",
)
REDACT_OUTPUT_EXISTS = _p(
    "E1708",
    409,
    "输出文件已存在（不能覆盖输入；覆盖其他文件请加 --force）：{path}",
    "The output file exists (never the input; use --force to replace another file): {path}",
)
REDACT_RESIDUE = _p(
    "E1709",
    422,
    "脱敏后仍检出 {count} 处个人信息：{path}",
    "{count} personal-information finding(s) remain after masking: {path}",
)
PUBLISH_BLOCKED = _p(
    "E1710",
    422,
    "发布检查未通过：{path} 含 {count} 处个人信息或无法检查的内容",
    "Publish gate refused {path}: {count} personal-information finding(s) or unscannable parts",
)
SCAN_PDF_NO_TEXT = _p(
    "E1711",
    422,
    "PDF 第 {page} 页只有图像、没有文本层，无法检查其中的个人信息：{path}",
    "Page {page} of the PDF has images but no text layer; it cannot be checked: {path}",
)

# --- E20xx web and authentication ----------------------------------------------------------
UNAUTHENTICATED = _p("E2001", 401, "请先登录", "Please sign in first")
FORBIDDEN = _p("E2002", 403, "您没有执行此操作的权限", "You do not have permission to do this")
RATE_LIMITED = _p(
    "E2003",
    429,
    "请求过于频繁，请 {retry_after} 秒后重试",
    "Too many requests; try again in {retry_after} seconds",
)
UNAVAILABLE = _p(
    "E2004",
    503,
    "服务暂时不可用，请 {retry_after} 秒后重试；已提交的数据不会丢失",
    "The service is temporarily unavailable; try again in {retry_after} seconds. "
    "Nothing already submitted is lost",
)
# Access (sign-in, sessions, second factor, pledge, office set-up): E2010–E2049.
LOGIN_FAILED = _p(
    "E2010",
    401,
    "用户名或密码错误",
    "Wrong user name or password",
)
LOGIN_LOCKED = _p(
    "E2011",
    429,
    "登录失败次数过多，请 {retry_after} 秒后再试",
    "Too many failed sign-ins; try again in {retry_after} seconds",
)
TOTP_REQUIRED = _p("E2012", 401, "请输入动态口令（6 位数字）", "Enter the one-time code (6 digits)")
TOTP_INVALID = _p(
    "E2013",
    401,
    "动态口令错误或已使用过",
    "The one-time code is wrong or has already been used",
)
PASSWORD_CHANGE_REQUIRED = _p(
    "E2014",
    403,
    "请先修改初始密码",
    "Change your one-time password first",
)
TOTP_ENROLMENT_REQUIRED = _p(
    "E2015",
    403,
    "请先绑定动态口令（双因素认证）",
    "Set up the one-time code (second factor) first",
)
PASSWORD_REJECTED = _p(
    "E2016",
    422,
    "新密码不符合要求：{violations}",
    "The new password is not acceptable: {violations}",
)
CURRENT_PASSWORD_WRONG = _p("E2017", 403, "当前密码错误", "The current password is wrong")
TOTP_STATE = _p(
    "E2018",
    409,
    "动态口令状态不允许此操作：{state}",
    "The one-time code set-up does not allow this now: {state}",
)
PLEDGE_VERSION = _p(
    "E2019",
    422,
    "保密承诺书版本 {version} 不是当前版本 {current}",
    "Pledge version {version} is not the current version {current}",
)
SESSION_EXPIRED = _p(
    "E2020", 401, "登录已过期，请重新登录", "Your session has expired; please sign in again"
)
AREA_FILE_INVALID = _p(
    "E2021",
    422,
    "区划文件无法读取：{reason}",
    "The area file cannot be read: {reason}",
)
AREA_ROWS_INVALID = _p(
    "E2022",
    422,
    "区划文件有 {count} 行错误，未导入任何内容",
    "The area file has {count} bad row(s); nothing was imported",
)
AREA_CODE_INVALID = _p(
    "E2023",
    422,
    "第 {line} 行：普查区代码 {code} 应为 12 位数字，且前 9 位是 2020 年统计用区划中的乡级单位",
    "Line {line}: census area code {code} must be 12 digits under a 2020 township",
)
SMALL_AREA_NO_INVALID = _p(
    "E2024",
    422,
    "第 {line} 行：普查小区号 {value} 应为 3 位数字（001–999）",
    "Line {line}: small area number {value} must be 3 digits (001–999)",
)
AREA_OUTSIDE_SCOPE = _p(
    "E2025",
    403,
    "第 {line} 行：区划 {code} 不在您的管辖范围内",
    "Line {line}: area {code} is outside your jurisdiction",
)
AREA_ROW_DUPLICATE = _p(
    "E2026",
    422,
    "第 {line} 行：与第 {first} 行重复",
    "Line {line}: duplicates line {first}",
)
# E2027 retired before release: a new census area without a name is E2029.
BUILDING_NO_INVALID = _p(
    "E2028",
    422,
    "第 {line} 行：建筑物编号 {value} 应为 1–4 位数字",
    "Line {line}: building number {value} must have 1 to 4 digits",
)
AREA_FIELD_INVALID = _p(
    "E2029",
    422,
    "第 {line} 行：{field} 无效（{reason}）",
    "Line {line}: {field} is not valid ({reason})",
)
USERNAME_TAKEN = _p("E2030", 409, "用户名 {username} 已被使用", "User name {username} is taken")
USERNAME_INVALID = _p(
    "E2031",
    422,
    "用户名应为 3–64 位小写字母、数字、点、下划线或连字符",
    "A user name has 3 to 64 lower-case letters, digits, dots, underscores or hyphens",
)
GRANT_INVALID = _p("E2032", 422, "授权区域无效：{reason}", "The area grant is not valid: {reason}")
GRANT_OUTSIDE_SCOPE = _p(
    "E2033",
    403,
    "不能授予您管辖范围以外的区域 {code}",
    "Area {code} is outside your own jurisdiction and cannot be granted",
)
ROLE_NOT_CREATABLE = _p(
    "E2034",
    403,
    "您不能创建或管理角色为 {role} 的账户",
    "You cannot create or manage accounts with the role {role}",
)
STAFF_NOT_FOUND = _p("E2035", 404, "找不到该工作人员", "No such staff member")
# E2036 retired before release: areas not found answer E2065 (AREA_NOT_FOUND, below).
ASSIGNMENT_INVALID = _p(
    "E2037",
    422,
    "无法分配：{reason}",
    "Cannot assign: {reason}",
)
PAGE_SIZE_INVALID = _p(
    "E2038",
    422,
    "每页条数应在 1–{max} 之间",
    "Page size must be between 1 and {max}",
)
STAFF_DISABLED_SELF = _p("E2039", 409, "不能停用自己的账户", "You cannot disable your own account")
# Fieldwork (pre-registration, registration, review, long-form sample): E2050–E2099.
REGISTER_NOT_FOUND = _p(
    "E2050",
    404,
    "户主姓名底册中没有住户 {household}",
    "Household {household} is not in the household-head register",
)
SMALL_AREA_NOT_FOUND = _p("E2051", 404, "找不到普查小区 {code}", "Small area {code} not found")
SMALL_AREA_CAP = _p(
    "E2052",
    422,
    "普查小区 {code} 的预计人数将达到 {persons} 人，超过上限 {cap} 人；请划分普查小区",
    "Small area {code} would hold {persons} persons, above the cap of {cap}; split the area",
)
ALL_DIED_EXISTS = _p(
    "E2053",
    409,
    "普查小区 {code} 已有户编号 999（全户死亡户）",
    "Small area {code} already has household 999 (all members died)",
)
HOUSEHOLD_NO_MISMATCH = _p(
    "E2054",
    422,
    "户编号必须取自户主姓名底册：住户 {household} 的户编号是 {expected}",
    "The household number comes from the register: household {household} is number {expected}",
)
SUBMISSION_FINDINGS = _p(
    "E2055",
    422,
    "住户 {household} 未通过审核：{hard} 个错误，{soft} 个待确认的提示",
    "Household {household} did not pass the edits: {hard} errors, {soft} warnings to confirm",
)
REVIEW_NOT_ALLOWED = _p(
    "E2056",
    409,
    "住户 {household} 当前状态为 {status}，不能执行 {action}",
    "Household {household} is {status}; {action} is not possible now",
)
REJECTION_REASON_REQUIRED = _p(
    "E2057",
    422,
    "退回必须注明原因（{codes}）",
    "A rejection needs a reason ({codes})",
)
TASK_NOT_FOUND = _p("E2058", 404, "找不到任务 {task}", "Task {task} not found")
SAMPLE_NOT_FOUND = _p(
    "E2059", 404, "找不到长表抽样 {sample}", "Long-form sample {sample} not found"
)
SAMPLE_EXISTS = _p(
    "E2060",
    409,
    "第 {wave} 次普查已抽取长表样本 {sample}；只有在尚未登记任何长表前才可由国家普查机构重抽",
    "Wave {wave} already has long-form sample {sample}; only the national office may redraw, "
    "and only before any long form is entered",
)
SAMPLE_IMMUTABLE = _p(
    "E2061",
    409,
    "长表样本 {sample} 不允许替换住户",
    "Long-form sample {sample} allows no substitution",
)
LONG_FORM_NOT_SAMPLED = _p(
    "E2062",
    409,
    "住户 {household} 不在长表样本中，不能登记长表",
    "Household {household} is not in the long-form sample; no long form can be entered",
)
SAMPLE_FRAME_EMPTY = _p(
    "E2063",
    409,
    "抽样框为空：尚无已登记的短表住户",
    "The sampling frame is empty: no short-form household is registered yet",
)
PAGE_CURSOR_INVALID = _p("E2064", 400, "分页游标无效", "The page cursor is invalid")
AREA_NOT_FOUND = _p("E2065", 404, "找不到区域 {code}", "Area {code} not found")
REGISTRATION_CLOSED = _p(
    "E2066",
    409,
    "住户 {household} 已审核通过，修改须由上级退回",
    "Household {household} is approved; a change needs a rejection first",
)
# Self-report (household accounts, drafts, submission, confirmation): E2080–E2094.
SELF_REPORT_LOGIN_FAILED = _p(
    "E2080", 401, "账号或密码不正确", "The account or password is not correct"
)
SELF_REPORT_SIGNED_OUT = _p(
    "E2081",
    401,
    "请用调查卡上的账号和密码登录",
    "Please sign in with the account and password on your card",
)
SELF_REPORT_CLOSED = _p(
    "E2082",
    409,
    "自主填报已截止，如需修改请联系您的普查员",
    "Self-report has closed; please contact your enumerator for any change",
)
SELF_REPORT_NOT_OFFERED = _p(
    "E2083",
    409,
    "住户 {household} 未选择自主填报",
    "Household {household} has not chosen to self-report",
)
SELF_REPORT_PLEDGE_REQUIRED = _p(
    "E2084",
    422,
    "请填写申报人姓名并勾选承诺",
    "Please give the declarant's name and tick the declaration",
)
SELF_REPORT_FINDINGS = _p(
    "E2085",
    422,
    "还有 {hard} 处需要更正、{soft} 处需要确认",
    "{hard} answers need correcting and {soft} need confirming",
)
SELF_REPORT_NOT_FOUND = _p(
    "E2086", 404, "找不到住户 {household} 的自主填报", "No self-report for household {household}"
)
SELF_REPORT_CONFIRM_EARLY = _p(
    "E2087",
    409,
    "普查标准时点之后才能确认自主填报",
    "A self-report can be confirmed only after the standard time point",
)
SELF_REPORT_NOT_SUBMITTED = _p(
    "E2088",
    409,
    "住户 {household} 的自主填报尚未提交",
    "Household {household} has not submitted its self-report",
)
PERSON_NOT_FOUND = _p("E2089", 404, "找不到第 {person} 人", "Person {person} not found")
# Staff pages, public pages and the demo: E2095–E2099.
DEMO_DIRECTORY_FOREIGN = _p(
    "E2095",
    409,
    "目录 {path} 不是演示目录，演示不会清空它；请另选目录（--dir）",
    "{path} is not a demo folder, so the demo will not empty it; choose another (--dir)",
)
FORM_EXPIRED = _p(
    "E2096",
    403,
    "表单已过期或来源不明，请刷新页面后重新提交",
    "The form has expired or did not come from this site; reload the page and submit again",
)
# Enumerator pages for the hmtf form and the household's mode: E2100–E2109.
PROVISIONAL_FORM_OFF = _p(
    "E2100",
    403,
    "普查表 {form} 尚未核实，本服务器未启用（设置 HEADCOUNT_ALLOW_PROVISIONAL_FORMS）",
    "Form {form} is not verified yet and is not enabled on this server "
    "(setting HEADCOUNT_ALLOW_PROVISIONAL_FORMS)",
)
MODE_UNKNOWN = _p(
    "E2101",
    422,
    "登记方式只能是普查员入户或住户自主填报",
    "The mode must be an enumerator visit or a self-report",
)
MODE_AFTER_REGISTRATION = _p(
    "E2102",
    409,
    "住户 {household} 已经登记，不能再更改登记方式",
    "Household {household} is already registered; its mode can no longer change",
)
DRAFT_MALFORMED = _p(
    "E2103",
    422,
    "草稿有 {count} 处格式错误，未保存",
    "The draft has {count} malformed field(s) and was not saved",
)
DRAFT_TOO_LARGE = _p(
    "E2104",
    422,
    "草稿超出上限（{bound} 不超过 {limit}），未保存",
    "The draft exceeds a bound ({bound} at most {limit}) and was not saved",
)
# Page navigation and live form behaviour: E2110–E2119.
# Ingest and the audit sequencer: E2120–E2129.
# Request hardening (host, origin, slow clients): E2130–E2139.
HOST_NOT_ALLOWED = _p(
    "E2130",
    400,
    "请求所指的主机名不属于本系统",
    "The request names a host this service does not serve",
)
CROSS_SITE_REFUSED = _p(
    "E2131",
    403,
    "拒绝来自其他网站的提交；请从本系统的页面操作",
    "A submission from another site was refused; use this service's own pages",
)
REQUEST_TIMEOUT = _p(
    "E2132",
    408,
    "请求内容在 {seconds} 秒内未传完，已中止；请检查网络后重试",
    "The request did not arrive within {seconds} seconds and was dropped; "
    "check the connection and try again",
)
PUBLIC_URL_REQUIRED = _p(
    "E2133",
    500,
    "生产模式必须配置对外网址（HEADCOUNT_PUBLIC_URL），自主填报卡片上的链接只能来自配置",
    "Production mode needs the public URL (HEADCOUNT_PUBLIC_URL): links printed on "
    "self-report cards come only from configuration",
)
# Results pages and the public publication: E2140–E2149.
RESULTS_NOT_CONFIGURED = _p(
    "E2140",
    503,
    "本服务器尚未提供汇总结果（未设置 HEADCOUNT_TABLES_DIR）；汇总表完成后由处理中心配置",
    "No results are served here yet (HEADCOUNT_TABLES_DIR is not set); the processing centre "
    "sets it once the tables are made",
)
RESULTS_TABLE_NOT_FOUND = _p(
    "E2141",
    404,
    "没有汇总表 {table}，或您无权查看",
    "There is no table {table}, or it is not yours to see",
)
RESULTS_LEVEL_UNAVAILABLE = _p(
    "E2142",
    404,
    "汇总表 {table} 没有您可查看的 {level} 级；可查看：{levels}",
    "Table {table} has no {level} level you may see; available: {levels}",
)
RESULTS_UNREADABLE = _p(
    "E2143",
    503,
    "汇总结果目前无法读取（{file}：{reason}）；请通知处理中心重新生成",
    "The results cannot be read at the moment ({file}: {reason}); ask the processing centre "
    "to make them again",
)
PUBLISHED_NOT_FOUND = _p(
    "E2144",
    404,
    "发布包中没有此文件：{name}",
    "No such file among the published results: {name}",
)
PUBLISHED_FILE_ALTERED = _p(
    "E2145",
    500,
    "已发布的文件 {name} 与发布清单（bundle.json）不符，暂停提供；请通知发布单位",
    "The published file {name} differs from its manifest (bundle.json) and is withheld; "
    "tell the publishing office",
)

# Processing (issue 11). One block per part; add new problems at the end of their part.
# The processing extract (layout, manifest, keys, permission): E1800–E1829.
EXTRACT_NOT_FOUND = _p(
    "E1800",
    404,
    "{path} 不是处理用提取目录（缺少 manifest.json）",
    "{path} is not a processing extract (no manifest.json)",
)
EXTRACT_MANIFEST_INVALID = _p(
    "E1801",
    422,
    "提取目录的清单 {path} 无法读取或格式不对",
    "The extract manifest {path} is unreadable or not in the expected format",
)
EXTRACT_TABLE_MISSING = _p(
    "E1802",
    422,
    "提取目录缺少 {path}",
    "The extract is missing {path}",
)
EXTRACT_SCHEMA = _p(
    "E1803",
    422,
    "提取文件 {path} 的列 {column} 与清单不符",
    "Column {column} of the extract file {path} does not match the manifest",
)
EXTRACT_DIGEST = _p(
    "E1804",
    422,
    "提取文件 {path} 的摘要与清单不符：文件已被改动或损坏",
    "The digest of the extract file {path} differs from the manifest: it was changed or damaged",
)
EXTRACT_FILE_UNLISTED = _p(
    "E1805",
    422,
    "提取目录中的 {path} 不在清单中",
    "{path} in the extract directory is not listed in its manifest",
)
EXTRACT_OUT_NOT_EMPTY = _p(
    "E1806",
    409,
    "输出目录 {path} 已存在且不为空；请指定新目录",
    "The output directory {path} exists and is not empty; give a new one",
)
EXTRACT_SOURCE_INVALID = _p(
    "E1807",
    422,
    "{path} 不是合成普查目录：{reason}",
    "{path} is not a synthetic census directory: {reason}",
)
EXTRACT_FORBIDDEN = _p(
    "E1808",
    403,
    "账号 {user} 没有提取处理数据的权限（processing.extract）",
    "Account {user} may not make a processing extract (permission processing.extract)",
)
EXTRACT_FILE_UNREADABLE = _p(
    "E1809",
    422,
    "提取文件 {path} 无法读取（不完整或不是 Parquet 文件）",
    "The extract file {path} cannot be read (truncated, or not a Parquet file)",
)
# EXTRACT-BLOCK-END
# Counting rules and the standard tables: E1830–E1859.
TABLES_LEVEL_UNKNOWN = _p(
    "E1830",
    400,
    "未知的汇总层级 {level}；可用：{allowed}",
    "Unknown tabulation level {level}; use one of: {allowed}",
)
TABLES_FORMAT_UNKNOWN = _p(
    "E1831",
    400,
    "未知的输出格式 {format}；可用：{allowed}",
    "Unknown output format {format}; use one of: {allowed}",
)
TABLES_OUT_NOT_EMPTY = _p(
    "E1832",
    409,
    "汇总表输出目录 {path} 已存在且不为空；请换一个目录或先删除它",
    "The tables output directory {path} exists and is not empty; choose another or remove it",
)
TABLES_SOURCE_UNREADABLE = _p(
    "E1833",
    400,
    "无法汇总 {path}：不是处理抽取目录或合成人口目录（{reason}）",
    "Cannot tabulate {path}: not a processing extract or synthetic population ({reason})",
)
TABLES_SOURCE_COLUMN_MISSING = _p(
    "E1834",
    400,
    "数据表 {table} 缺少汇总所需的列 {column}",
    "Table {table} lacks the column {column} the tables need",
)
TABLES_ENGINE_UNKNOWN = _p(
    "E1835",
    400,
    "未知的计算引擎 {engine}；可用：{allowed}",
    "Unknown engine {engine}; use one of: {allowed}",
)
TABLES_ENGINE_UNAVAILABLE = _p(
    "E1836",
    501,
    "计算引擎 {engine} 在此版本中不可用；请使用 duckdb",
    "The {engine} engine is not available in this build; use duckdb",
)
TABLES_QUERY_FAILED = _p(
    "E1837",
    500,
    "汇总表 {table} 计算失败（{reason}）；未写出任何文件",
    "Computing table {table} failed ({reason}); nothing was written",
)
TABLES_WRITE_FAILED = _p(
    "E1838",
    507,
    "无法写入汇总表目录 {path}（{reason}）；未留下任何部分文件",
    "Cannot write the tables to {path} ({reason}); no partial files were left",
)
TABLES_MEMORY_LIMIT_INVALID = _p(
    "E1839",
    400,
    "内存上限 {value} 无效；请写成 512MB、2GB 这样的形式",
    "The memory limit {value} is not valid; write it as 512MB, 2GB and so on",
)
# TABLES-BLOCK-END
# Communiqués and charts: E1860–E1869.
COMMUNIQUE_TABLES_MISSING = _p(
    "E1860",
    404,
    "汇总表目录中没有索引文件 {path}；请先运行 headcount tables",
    "The tables index {path} does not exist; run 'headcount tables' first",
)
COMMUNIQUE_TABLES_UNREADABLE = _p(
    "E1861",
    400,
    "汇总表索引 {path} 无法读取：{reason}",
    "The tables index {path} cannot be read: {reason}",
)
COMMUNIQUE_TABLES_FORMAT = _p(
    "E1862",
    400,
    "{path} 不是本版本支持的汇总表索引（格式、版本为 {got}，应为 headcount-tables 第 1 版）",
    "{path} is not a tables index this version reads (format, version {got}; "
    "expected headcount-tables version 1)",
)
COMMUNIQUE_TABLE_FILE_INVALID = _p(
    "E1863",
    409,
    "汇总表文件 {path} 不可用（{reason}）；请重新生成汇总表",
    "The table file {path} cannot be used ({reason}); make the tables again",
)
COMMUNIQUE_OUTPUT_NOT_EMPTY = _p(
    "E1864",
    409,
    "输出目录 {path} 已存在且不为空；请换一个目录或先删除它",
    "Output directory {path} exists and is not empty; choose another or remove it first",
)
COMMUNIQUE_WRITE_FAILED = _p(
    "E1865",
    500,
    "无法写入公报目录 {path}：{reason}；未留下任何文件",
    "The communiqués could not be written to {path}: {reason}; nothing was left behind",
)
# COMMUNIQUE-BLOCK-END
# The publication bundle (gate, disclosure hook, verify): E1870–E1889.
PUBLISH_PERSONAL_DATA = _p(
    "E1870",
    422,
    "发布包被拒绝：{files} 个文件中有 {count} 处个人信息或无法检查的内容（首个：{path}）；"
    "未写入任何内容",
    "The publication bundle was refused: {count} personal-information finding(s) or unscannable "
    "part(s) in {files} file(s) (first: {path}); nothing was written",
)
PUBLISH_DISCLOSURE_FAILED = _p(
    "E1871",
    422,
    "发布包被拒绝：{count} 处未通过披露控制检查（首个：表 {table}，{path}，检查 {check}）；"
    "未写入任何内容",
    "The publication bundle was refused: {count} cell(s) failed the disclosure checks (first: "
    "table {table}, {path}, check {check}); nothing was written",
)
PUBLISH_NOT_TABLES = _p(
    "E1872",
    422,
    "{path} 不是汇总表目录：{reason}",
    "{path} is not a tables directory: {reason}",
)
PUBLISH_OUT_EXISTS = _p(
    "E1873",
    409,
    "发布包 {path} 已存在；发布包从不覆盖，请指定新路径",
    "The bundle {path} exists; a bundle is never overwritten, give a new path",
)
PUBLISH_SOURCE_INVALID = _p(
    "E1874",
    422,
    "不能打包 {path}：{reason}",
    "Cannot pack {path}: {reason}",
)
PUBLISH_FILE_KIND = _p(
    "E1875",
    415,
    "此类文件无法检查，不能放入发布包：{path}（允许 .csv .tsv .xlsx .parquet .md .txt .html "
    ".pdf .svg .json，以及有 SVG 原图的 .png）",
    "This kind of file cannot be checked and cannot go into a publication bundle: {path} "
    "(allowed: .csv .tsv .xlsx .parquet .md .txt .html .pdf .svg .json, and .png beside its SVG)",
)
PUBLISH_PNG_UNCHECKED = _p(
    "E1876",
    422,
    "PNG 图像无法按文本检查，只能与其来源 SVG 同时发布：{path} 缺少通过检查的 {twin}",
    "A PNG image cannot be checked as text and is published only beside the SVG it was drawn "
    "from: {path} lacks a passing {twin}",
)
PUBLISH_PART_UNCHECKED = _p(
    "E1877",
    422,
    "{path} 中的 {part} 无法检查，不能发布",
    "{part} in {path} cannot be checked, so the file cannot be published",
)
PUBLISH_TABLE_FILE = _p(
    "E1878",
    422,
    "汇总表文件 {path} 与 tables.json 不符：{reason}",
    "The table file {path} does not match tables.json: {reason}",
)
PUBLISH_WRITE_FAILED = _p(
    "E1879",
    500,
    "无法写入发布包 {path}（{reason}）；未留下任何内容",
    "The bundle {path} could not be written ({reason}); nothing was left behind",
)
BUNDLE_NOT_FOUND = _p(
    "E1880",
    404,
    "{path} 不是发布包（{reason}）",
    "{path} is not a publication bundle ({reason})",
)
BUNDLE_DIGEST_MISMATCH = _p(
    "E1881",
    422,
    "发布包文件 {path} 的摘要或大小与 bundle.json 不符：文件已被改动",
    "The SHA-256 or size of the bundle file {path} differs from bundle.json: it was changed",
)
BUNDLE_FILE_ADDED = _p(
    "E1882",
    422,
    "发布包中的 {path} 不在 bundle.json 中：文件是后加的",
    "{path} is in the bundle but not in bundle.json: it was added",
)
BUNDLE_FILE_REMOVED = _p(
    "E1883",
    422,
    "bundle.json 列出的 {path} 不在发布包中：文件被删除了",
    "{path} is listed in bundle.json but missing from the bundle: it was removed",
)
BUNDLE_SUMS_MISMATCH = _p(
    "E1884",
    422,
    "发布包的 SHA256SUMS 与 bundle.json 不一致：{path}",
    "SHA256SUMS of the bundle disagrees with bundle.json: {path}",
)
BUNDLE_GATE_FAILED = _p(
    "E1885",
    422,
    "重新检查发布包未通过：{path}（{reason}）",
    "The bundle failed its re-check: {path} ({reason})",
)
BUNDLE_SIGNATURE_INVALID = _p(
    "E1886",
    422,
    "发布包签名无效或与公钥不符：{path}（{reason}）",
    "The bundle signature is invalid or does not match the public key: {path} ({reason})",
)
# PUBLISH-BLOCK-END
# Register import (issue 12): E1900–E1909.
REGISTER_FILE_UNREADABLE = _p(
    "E1900",
    400,
    "无法读取登记册文件 {path}（{reason}）；未写入任何内容",
    "The register file {path} cannot be read ({reason}); nothing was written",
)
REGISTER_KIND_UNKNOWN = _p(
    "E1901",
    400,
    "未知的登记册类型 {kind}（应为 hukou、births 或 deaths）",
    "Unknown register kind {kind} (expected hukou, births or deaths)",
)
REGISTER_COLUMNS_INVALID = _p(
    "E1902",
    422,
    "登记册 {path} 的列不符：缺少 {missing}；未知 {unknown}；未写入任何内容",
    "The columns of the register {path} do not match: missing {missing}; unknown {unknown}; "
    "nothing was written",
)
REGISTER_ROWS_INVALID = _p(
    "E1903",
    422,
    "登记册 {path} 中有 {count} 行数据有误（已逐行列出）；未写入任何内容",
    "{count} rows of the register {path} are invalid (each is listed); nothing was written",
)
REGISTER_ALREADY_IMPORTED = _p(
    "E1904",
    409,
    "该文件已于 {at} 导入 {kind} 登记册（SHA-256 {sha256}…）；不再重复导入",
    "This file was imported into the {kind} register at {at} (SHA-256 {sha256}…); "
    "it is not imported again",
)
REGISTER_RECORDS_PRESENT = _p(
    "E1905",
    409,
    "{kind} 登记册中已有该文件的 {count} 条记录（如 {example}）；未写入任何内容",
    "The {kind} register already holds {count} record ids of this file (e.g. {example}); "
    "nothing was written",
)
REGISTER_IMPORT_BUSY = _p(
    "E1906",
    409,
    "该文件正在导入（开始于 {since}）；若导入已中断，请于 {retry_after} 后重试",
    "This file is being imported (since {since}); if that import was interrupted, "
    "run again after {retry_after}",
)
REGISTER_VALUE_MISSING = _p(
    "E1907",
    422,
    "{file} 第 {row} 行：{column} 不能为空",
    "{file} row {row}: {column} must not be empty",
)
REGISTER_VALUE_INVALID = _p(
    "E1908",
    422,
    "{file} 第 {row} 行：{column} 的值无效（{reason}）",
    "{file} row {row}: the value of {column} is not valid ({reason})",
)
REGISTER_RECORD_NOT_FOUND = _p(
    "E1909",
    404,
    "{kind} 登记册中没有记录 {record_id}",
    "The {kind} register has no record {record_id}",
)
# Verification tasks: quality findings back to the field (issue 12): E1910–E1919.
VERIFY_SOURCE_NOT_STORE = _p(
    "E1910",
    422,
    "质量核查结果 {path} 不来自本库的提取数据（{reason}）；未创建任何核查任务",
    "The quality results {path} do not come from an extract of this store ({reason}); no "
    "verification task was created",
)
VERIFY_NOT_QUALITY = _p(
    "E1911",
    422,
    "{path} 不是质量核查结果目录（{reason}）",
    "{path} is not a quality results directory ({reason})",
)
VERIFY_ANSWER_INVALID = _p(
    "E1912",
    422,
    "对“{finding}”类核查任务不能回答“{answer}”；可选：{allowed}",
    'A {finding} verification cannot be answered "{answer}"; choose one of: {allowed}',
)
VERIFY_TASK_CLOSED = _p(
    "E1913",
    409,
    "核查任务 {task} 已于 {at} 回答，不能再次回答",
    "The verification task {task} was already answered at {at}; it cannot be answered again",
)
VERIFY_NOT_VERIFICATION = _p(
    "E1914",
    409,
    "任务 {task} 不是核查任务，无需回答",
    "The task {task} is not a verification task; there is nothing to answer",
)
VERIFY_REGISTERS_TWICE = _p(
    "E1915",
    422,
    "库中已导入登记册；从库提取时不能再用 --registers {path} 指定另一份",
    "The store holds imported registers; an extract from the store cannot take other registers "
    "from --registers {path}",
)
VERIFY_ANSWER_MISSING = _p(
    "E1916",
    422,
    "请选择核查结果后再提交",
    "Choose what you found before sending",
)
# The post-enumeration survey (issue 13): E2160–E2169.
PES_TOO_FEW_AREAS = _p(
    "E2160",
    422,
    "事后质量抽查至少需要抽取 {needed} 个普查小区（每层至少 2 个），而只要求了 {asked} 个",
    "The post-enumeration survey needs at least {needed} small areas (two per stratum); "
    "{asked} were asked for",
)
PES_TOO_MANY_AREAS = _p(
    "E2161",
    422,
    "要求抽取 {asked} 个普查小区，但抽样框只有 {available} 个",
    "{asked} small areas were asked for, but the frame holds only {available}",
)
PES_FRAME_EMPTY = _p(
    "E2162",
    422,
    "抽样框为空：尚无普查小区",
    "The sampling frame is empty: there are no small areas yet",
)
PES_FRAME_INVALID = _p(
    "E2163",
    422,
    "普查小区 {area} 的规模度量无效（须至少为 1）",
    "The measure of size of small area {area} is not valid (it must be at least 1)",
)
PES_SAMPLE_EXISTS = _p(
    "E2164",
    409,
    "第 {wave} 次普查已抽取事后质量抽查样本（{sample}）；样本不可重抽",
    "The post-enumeration survey sample of wave {wave} is already drawn ({sample}); it is never "
    "drawn again",
)
PES_SAMPLE_SECRET = _p(
    "E2165",
    403,
    "普查登记结束前，事后质量抽查样本对普查人员保密",
    "The post-enumeration survey sample is kept from census staff until the count has closed",
)
PES_MATCHING_INCOMPLETE = _p(
    "E2166",
    409,
    "{table} 还有 {count} 条未决的匹配：匹配和复查完成后才能估计",
    "{table} still holds {count} unresolved cases: the estimate waits until matching and "
    "follow-up are complete",
)
PES_POST_STRATUM_EMPTY = _p(
    "E2167",
    422,
    "事后分层 {post_stratum} 没有匹配或没有普查样本（共 {count} 层）；请合并事后分层",
    "The post-stratum {post_stratum} has no match or no census sample ({count} in all); "
    "collapse post-strata",
)
PES_STRATUM_SINGLE = _p(
    "E2168",
    422,
    "抽样层 {stratum} 只有一个随机抽中的普查小区，无法估计方差",
    "The stratum {stratum} has a single small area drawn at random: its variance cannot be "
    "estimated",
)
PES_INPUT_INVALID = _p(
    "E2169",
    422,
    "事后质量抽查的输入 {table} 无效（{reason}）",
    "The post-enumeration survey input {table} is not valid ({reason})",
)
# Differential privacy: the budget of a release (issue 14, part 3): E2170–E2179.
DP_BUDGET_RHO = _p(
    "E2170",
    422,
    "隐私预算 ρ 必须是正的有限数（收到 {value}）；未加入任何噪声",
    "The privacy budget ρ must be a positive finite number (got {value}); no noise was drawn",
)
DP_BUDGET_DELTA = _p(
    "E2171",
    422,
    "δ 必须大于 0 且小于 1（收到 {value}）",
    "δ must be above 0 and below 1 (got {value})",
)
DP_BUDGET_UNKNOWN = _p(
    "E2172",
    422,
    "预算中的{what} {name} 未知或缺失",
    "The budget's {what} {name} is unknown or missing",
)
DP_BUDGET_SHARES = _p(
    "E2173",
    422,
    "预算中各{what}的份额必须非负且合计为 1（{total}）",
    "The budget's {what} shares must be non-negative and sum to one ({total})",
)
DP_BUDGET_UNREADABLE = _p(
    "E2174",
    422,
    "无法读取预算文件 {path}（{reason}）",
    "The budget file {path} cannot be read ({reason})",
)
# Secondary cell suppression: `headcount disclose suppress` (issue 14, part 2): E2180–E2189.
SUPPRESS_OUT_EXISTS = _p(
    "E2180",
    409,
    "输出目录 {path} 已存在且不为空；抑制后的汇总表只写入新的或空的目录",
    "The output directory {path} exists and is not empty; suppressed tables go to a new or "
    "empty directory",
)
SUPPRESS_OPTION_INVALID = _p(
    "E2181",
    400,
    "参数 {name} 的值 {value} 无效：{reason}",
    "The value {value} of {name} is not valid: {reason}",
)
SUPPRESS_NO_TABLES = _p(
    "E2182",
    422,
    "{path} 中没有可抑制的计数表（{reason}）",
    "{path} holds no count table to suppress ({reason})",
)
SUPPRESS_NOT_ADDITIVE = _p(
    "E2183",
    422,
    "汇总表不可加：{table} 的 {count} 个等式不成立（如 {example}）；请用 headcount tables 重新生成",
    "The tables do not add up: {count} equation(s) of {table} fail (e.g. {example}); make them "
    "again with headcount tables",
)
SUPPRESS_UNPROTECTABLE = _p(
    "E2184",
    422,
    "{table} 中有 {count} 个原始抑制单元格无法保护（如 {example}）：所有可用的补充单元格都不足以"
    "使其区间包含 0 和 {threshold}；未写出任何结果",
    "{count} primary cell(s) of {table} cannot be protected (e.g. {example}): no choice of "
    "complementary cells widens their interval to 0 and {threshold}; nothing was written",
)
SUPPRESS_TOO_LARGE = _p(
    "E2185",
    422,
    "最优抑制仅适用于小表：本次需要 {variables} 个变量（上限 {limit}）；请使用 --method heuristic",
    "Optimal suppression is for small tables: this one needs {variables} variables (limit "
    "{limit}); use --method heuristic",
)
SUPPRESS_WRITE_FAILED = _p(
    "E2186",
    500,
    "无法写入抑制后的汇总表 {path}：{reason}",
    "Cannot write the suppressed tables {path}: {reason}",
)
SUPPRESS_SOLVER_FAILED = _p(
    "E2187",
    500,
    "线性规划求解失败（{reason}）；未写出任何结果",
    "The linear programming solver failed ({reason}); nothing was written",
)
SUPPRESS_LONG_FORM_INVALID = _p(
    "E2188",
    422,
    "长表 {path} 无效：{reason}",
    "The long-form table {path} is not valid: {reason}",
)
# The TopDown differentially private release and its accuracy report (issue 14, parts 3, 4, 6):
# E2190–E2199.
DP_RELEASE_EXISTS = _p(
    "E2190",
    409,
    "输出目录 {path} 已存在；差分隐私发布从不覆盖，未加入任何噪声",
    "The output directory {path} exists; a differentially private release never overwrites "
    "one, and no noise was drawn",
)
DP_ALREADY_DRAWN = _p(
    "E2191",
    409,
    "同一预算已对该数据源抽取过噪声（抽取 {draw}）；再次抽取会重复花费预算，"
    "确有需要请明确使用 --again",
    "This budget has already been drawn against this source (draw {draw}); drawing again "
    "spends it twice — pass --again only if that is intended",
)
DP_RELEASE_INCOMPLETE = _p(
    "E2192",
    422,
    "发布需要在每个地理层级测量每项查询：{name} 的份额为 0；未加入任何噪声",
    "A release measures every query at every geolevel: {name} has a zero share; no noise was drawn",
)
DP_SOURCE_GEOGRAPHY = _p(
    "E2193",
    422,
    "数据源的区划代码不构成层级：{level} 的某个单位属于多个上级单位",
    "The source's division codes do not nest: a unit of {level} belongs to more than one parent",
)
DP_SOURCE_UNPLACED = _p(
    "E2194",
    422,
    "数据源中有 {count} 名常住人口缺少性别或年龄，无法计入性别年龄直方图",
    "{count} counted persons of the source lack a sex or an age and cannot be placed in the "
    "sex × age histogram",
)
DP_RELEASE_UNREADABLE = _p(
    "E2195",
    422,
    "{path} 不是可读的差分隐私发布（{reason}）",
    "{path} is not a readable differentially private release ({reason})",
)
DP_RELEASE_OTHER_SOURCE = _p(
    "E2196",
    422,
    "该发布取自另一数据源（摘要 {expected}），不是 {path}",
    "The release was drawn from another source (digest {expected}), not {path}",
)
DP_OUT_UNWRITABLE = _p(
    "E2197",
    500,
    "无法写入 {path}（{reason}）；未写出任何结果",
    "{path} cannot be written ({reason}); nothing was written",
)
DP_LEDGER = _p(
    "E2198",
    500,
    "发布登记文件 {path} 无法读取或写入（{reason}）",
    "The ledger of draws {path} cannot be read or written ({reason})",
)
# Quality: linkage, findings (issue 12): E1890–E1899.
QUALITY_NOT_EXTRACT = _p(
    "E1890",
    422,
    "{path} 不是可用于质量核查的处理用提取数据（{reason}）",
    "{path} is not a processing extract the quality job can read ({reason})",
)
QUALITY_REGISTERS_MISSING = _p(
    "E1891",
    422,
    "提取数据 {path} 缺少登记册 {tables}：请用 --registers 重新提取",
    "The extract {path} lacks the registers {tables}: extract again with --registers",
)
QUALITY_OUT_NOT_EMPTY = _p(
    "E1892",
    409,
    "输出目录 {path} 已存在且不为空；质量核查结果只写入新的或空的目录",
    "The output directory {path} exists and is not empty; quality results go to a new or empty "
    "directory",
)
QUALITY_MODEL_FAILED = _p(
    "E1893",
    500,
    "概率匹配模型训练或评分失败（{reason}）；未写出任何结果",
    "The probabilistic linkage model failed to train or score ({reason}); nothing was written",
)
QUALITY_REGISTERS_KEY = _p(
    "E1895",
    422,
    "登记册 {path} 的假名化密钥（{theirs}）与提取数据的密钥（{ours}）不同，无法比对；"
    "请用同一批次的处理密钥重新提取登记册",
    "The registers {path} were pseudonymised under another key ({theirs}) than the extract "
    "({ours}) and cannot be compared; extract the registers again with the wave's processing key",
)
QUALITY_REGISTERS_ENCODING = _p(
    "E1896",
    422,
    "登记册 {path} 的编码（{item}）与提取数据不同，无法比对",
    "The registers {path} use another encoding ({item}) than the extract and cannot be compared",
)
QUALITY_REGISTERS_COLUMNS = _p(
    "E1897",
    422,
    "登记册表 {table} 的列与处理用提取格式不符"
    "（多出：{unknown}；缺少：{missing}；类型不符：{typed}）",
    "The register table {table} does not have the extract's columns (unknown: {unknown}; "
    "missing: {missing}; wrong type: {typed})",
)
QUALITY_REGISTERS_TWICE = _p(
    "E1898",
    422,
    "提取数据 {path} 已包含登记册；不能再用 --registers 指定另一份",
    "The extract {path} already holds registers; --registers cannot add another set",
)
QUALITY_REGISTERS_ONLY_NEEDS_SOURCE = _p(
    "E1899",
    422,
    "--registers-only 需要用 --registers 指定登记册目录",
    "--registers-only needs the registers directory in --registers",
)
QUALITY_ENGINE_UNAVAILABLE = _p(
    "E1894",
    501,
    "引擎 {engine} 尚不可用（见第 15 号议题）；请使用 --engine duckdb",
    "The engine {engine} is not available yet (issue 15); use --engine duckdb",
)
# The quality report on the office pages (issue 12, part 4): E1920–E1924.
QUALITY_REPORT_NOT_CONFIGURED = _p(
    "E1920",
    503,
    "本服务器尚未提供质量核查报告（未设置 HEADCOUNT_QUALITY_DIR）；质量核查完成后由处理中心配置",
    "No quality report is served here yet (HEADCOUNT_QUALITY_DIR is not set); the processing "
    "centre sets it once the quality job has run",
)
QUALITY_REPORT_UNREADABLE = _p(
    "E1921",
    503,
    "质量核查结果目前无法读取（{file}：{reason}）；请通知处理中心重新生成",
    "The quality results cannot be read at the moment ({file}: {reason}); ask the processing "
    "centre to make them again",
)
QUALITY_REPORT_NOT_QUALITY = _p(
    "E1922",
    503,
    "配置的质量核查目录 {file} 不是 headcount quality 的输出（{reason}）",
    "The configured quality directory {file} is not an output of headcount quality ({reason})",
)
QUALITY_REPORT_ABSENT = _p(
    "E1923",
    503,
    "该质量核查结果没有分地区报告（由较早版本生成）；请用 headcount quality 重新运行",
    "These quality results have no per-area report (made by an earlier version); run "
    "headcount quality again",
)
QUALITY_REPORT_AREA_NOT_FOUND = _p(
    "E1924",
    404,
    "质量核查报告中没有地区 {area}，或您无权查看",
    "The quality report has no area {area}, or it is not yours to see",
)
# Disclosure control: risk rules and `headcount disclose` (issue 14): E2150–E2159.
DISCLOSE_NOT_TABLES = _p(
    "E2150",
    422,
    "{path} 不是汇总表目录：{reason}",
    "{path} is not a tables directory: {reason}",
)
DISCLOSE_TABLE_FILE = _p(
    "E2151",
    422,
    "汇总表文件 {path} 无法检查：{reason}",
    "The table file {path} cannot be checked: {reason}",
)
DISCLOSE_MIN_CELL_INVALID = _p(
    "E2152",
    400,
    "最小频数 {value} 无效：应为不小于 1 的整数（1 表示不检查）",
    "The minimum frequency {value} is not valid: give a whole number of at least 1 (1 turns it "
    "off)",
)
DISCLOSE_DOMINANCE_INVALID = _p(
    "E2153",
    400,
    "支配规则 (n,k) 参数 {value} 无效：{reason}",
    "The dominance rule (n,k) {value} is not valid: {reason}",
)
DISCLOSE_P_PERCENT_INVALID = _p(
    "E2154",
    400,
    "p% 规则参数 {value} 无效：p 应大于 0 且不大于 100",
    "The p% rule's p {value} is not valid: p must be above 0 and at most 100",
)
DISCLOSE_OPTION_INVALID = _p(
    "E2155",
    400,
    "参数 {name} 的值 {value} 无效：{reason}",
    "The value {value} of {name} is not valid: {reason}",
)
DISCLOSE_SENSITIVE_INVALID = _p(
    "E2156",
    422,
    "敏感维度配置无效：表 {table} 的 {dimension}：{reason}",
    "The sensitive-dimension configuration is not valid: table {table}, {dimension}: {reason}",
)
DISCLOSE_CONTRIBUTIONS_INVALID = _p(
    "E2157",
    422,
    "量值表的贡献数据无效：{reason}",
    "The contributions of a magnitude table are not valid: {reason}",
)
DISCLOSE_REPORT_WRITE_FAILED = _p(
    "E2158",
    500,
    "无法写入披露风险报告 {path}：{reason}",
    "Cannot write the disclosure risk report {path}: {reason}",
)

# The post-enumeration survey's fieldwork (issue 13, part 2): E2200–E2209.
PES_AREA_NOT_SAMPLED = _p(
    "E2200",
    422,
    "普查小区 {code} 不在第 {wave} 次普查的事后质量抽查样本中",
    "Small area {code} is not in the post-enumeration survey sample of wave {wave}",
)
PES_STAFF_NAME_REQUIRED = _p(
    "E2201",
    422,
    "事后质量抽查员须登记姓名，以便核对其与普查人员相互独立",
    "A post-enumeration survey enumerator needs a name, so that independence from the census "
    "staff can be checked",
)
PES_NOT_INDEPENDENT = _p(
    "E2202",
    409,
    "违反独立性：普查小区 {area} 的普查人员（{census_role}）与事后质量抽查员同名；"
    "抽查员不得由本小区的普查人员担任",
    "Independence broken: a census {census_role} of small area {area} has the same name as the "
    "survey enumerator; the survey may not be done by the area's census staff",
)
PES_WINDOW_CLOSED = _p(
    "E2203",
    409,
    "事后质量抽查登记时间为 {opens} 至 {closes}（普查登记结束之后）",
    "The post-enumeration survey registers from {opens} to {closes} (after the count has closed)",
)
PES_HOUSEHOLD_NOT_FOUND = _p(
    "E2204",
    404,
    "未找到事后质量抽查户 {household}",
    "Post-enumeration survey household {household} not found",
)
PES_FORM_ONLY = _p(
    "E2205",
    422,
    "事后质量抽查只能登记抽查表（收到 {form}）",
    "The post-enumeration survey registers only its own form (got {form})",
)
PES_AREA_FULL = _p(
    "E2206",
    409,
    "普查小区 {small_area} 的抽查户编号已用完（P999）",
    "Small area {small_area} has used every survey household number (P999)",
)
PES_ROLE_MIXED = _p(
    "E2207",
    422,
    "普查人员不能承担事后质量抽查任务，抽查员也不能承担普查任务",
    "A census account cannot take survey duties, and a survey account cannot take census duties",
)
PES_FOLLOWUP_NOT_FOUND = _p(
    "E2208",
    404,
    "未找到事后质量抽查复查任务 {followup}",
    "Post-enumeration survey follow-up {followup} not found",
)
PES_FOLLOWUP_ANSWER_INVALID = _p(
    "E2209",
    422,
    "复查结果无效：{reason}",
    "The follow-up answer is not valid: {reason}",
)
# Retention and destruction of original data (issue 20, part 3): E2210–E2219.
RETENTION_SCHEDULE_UNREADABLE = _p(
    "E2210",
    422,
    "保存期限表 {path} 无法读取：{reason}",
    "The retention schedule {path} cannot be read: {reason}",
)
RETENTION_SCHEDULE_INVALID = _p(
    "E2211",
    422,
    "保存期限表 {path} 无效（{where}）：{reason}",
    "The retention schedule {path} is not valid ({where}): {reason}",
)
RETENTION_BEFORE_CLOSE = _p(
    "E2212",
    422,
    "规则 {rule} 将在 {due} 销毁数据，早于数据处理结束日 {close}；未销毁任何数据",
    "Rule {rule} would destroy data on {due}, before the processing close {close}; "
    "nothing was destroyed",
)
RETENTION_CLASS_KEPT = _p(
    "E2213",
    422,
    "数据类别 {data_class} 须保留（{why}），本作业不会销毁它",
    "Data class {data_class} is kept ({why}); this job never destroys it",
)
RETENTION_SCOPE_SHARED = _p(
    "E2214",
    409,
    "密钥范围 {scope} 同时含有待销毁的 {destroyed} 和须保留的 {kept}；密钥按范围销毁，"
    "二者不能分开处理，请为它们设定相同的规则；未销毁任何数据",
    "Key scope {scope} holds {destroyed}, due for destruction, and {kept}, which is kept; keys "
    "are destroyed per scope, so the two cannot be separated: give them the same rule; nothing "
    "was destroyed",
)
RETENTION_RUN_AHEAD = _p(
    "E2215",
    422,
    "不能按未来日期 {at} 执行销毁（今天是 {today}）：仅演示或开发模式可提前执行；未销毁任何数据",
    "Destruction cannot run as of a future date {at} (today is {today}): only demo or "
    "development mode may run ahead; nothing was destroyed",
)
RETENTION_CERTIFICATE_INVALID = _p(
    "E2216",
    422,
    "销毁证书 {path} 无法读取或格式不对：{reason}",
    "The destruction certificate {path} is unreadable or malformed: {reason}",
)
RETENTION_CERTIFICATE_FOREIGN = _p(
    "E2217",
    409,
    "销毁证书由另一安装的密钥 {found} 签名，本安装的密钥是 {expected}",
    "The destruction certificate was signed by another installation's key {found}; this "
    "installation's key is {expected}",
)
RETENTION_CERTIFICATE_TAMPERED = _p(
    "E2218",
    409,
    "销毁证书的签名与内容不符：证书已被改动",
    "The destruction certificate's signature does not match its content: it was altered",
)
RETENTION_NOT_DESTROYED = _p(
    "E2219",
    409,
    "证书所列的 {what} 未被证实已销毁：{reason}",
    "The certificate's {what} is not proven destroyed: {reason}",
)
