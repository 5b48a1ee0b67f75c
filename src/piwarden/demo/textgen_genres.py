"""Templates of the synthetic genres, Chinese and English (see :mod:`piwarden.demo.textgen`).

Each genre function returns the template lines of one record. Upper-case placeholders are
labeled values, lower-case ones unlabeled filler; ``{s}`` is a label-to-value separator that
is empty about half the time in Chinese, so ``手机13812345678`` and ``卡号6222...`` are common.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from piwarden.demo.textgen import Gen

Genre = Callable[["Gen"], list[str]]
T = TypeVar("T")


def _some(g: Gen, pool: list[T], lo: int, hi: int) -> list[T]:
    """``lo``..``hi`` distinct lines of ``pool`` in pool order."""
    k = min(len(pool), g.rng.randint(lo, hi))
    return [pool[i] for i in sorted(g.rng.sample(range(len(pool)), k))]


# -- Chinese -------------------------------------------------------------------------------

def chat_zh(g: Gen) -> list[str]:
    pool = [
        "买家：收件人{PERSON#1}，手机{s}{PHONE:plain}，地址{s}{ADDRESS}。\n",
        "买家：我叫{PERSON#1}，电话{s}{PHONE}，麻烦尽快处理。\n",
        "买家：退款退到我的卡上吧，卡号{s}{BANK_CARD}，{bank}的。\n",
        "买家：身份证号{s}{CN_RESIDENT_ID}，你们核实一下。\n",
        "买家：有问题加我微信{s}{WECHAT_ID}，或者扣扣{s}{QQ_ID}。\n",
        "买家：有事加QQ{s}{QQ_ID}，vx{s}{WECHAT_ID}也行。\n",
        "买家：发票开好发到邮箱{s}{EMAIL}。\n",
        "买家：联系人{PERSON}{EMAIL:phone}，邮件联系。\n",
        "买家：支付宝账号{s}{PAYMENT_ACCOUNT}，直接退这个账户。\n",
        "客服：已为您查到快递单号{s}{WAYBILL_NO}，预计明天送达。\n",
        "买家：车牌{s}{CN_LICENSE_PLATE}，车就停在小区门口。\n",
        "买家：我现在的位置是{GPS_COORDINATE}，快递员一直找不到。\n",
        "买家：换个号码吧，打我座机{PHONE:landline}。\n",
        "买家：我是香港居民，香港身份证{s}{HK_ID}，可以实名吗？\n",
        "买家：我是台湾的，身份证字号{s}{TW_ID}。\n",
        "买家：我用护照实名的，护照号{s}{PASSPORT}。\n",
    ]
    head = g.pick(["买家：你好，我买的{goods}一直没到，订单号{s}{ORDER_ID}。\n",
                   "买家：在吗？订单编号{s}{ORDER_ID}的{goods}要退货。\n",
                   "客服：您好，很高兴为您服务，请问有什么可以帮您？\n"])
    tail = g.pick(["客服：好的{PERSON#1}，已登记，请保持电话畅通。",
                   "客服：收到，如有疑问请拨打客服热线{hotline}。", "客服：好的，稍后给您回电。"])
    return [head, *_some(g, pool, 1, 4), tail]


def waybill_zh(g: Gen) -> list[str]:
    carrier, variant = g.pick([("顺丰速运", "sf"), ("圆通速递", "yt"), ("极兔速递", "jt"), ("EMS", "ems")])
    lines = [f"{carrier}  运单号{{s}}{{WAYBILL_NO:{variant}}}\n",
             "寄件人：{PERSON} {PHONE}\n寄件地址：{ADDRESS}\n",
             g.pick(["收件人：{PERSON}{s}{PHONE:plain}\n收件地址：{ADDRESS}\n",
                     "收件人：{PERSON} 电话{s}{PHONE}\n地址{s}{ADDRESS}\n",
                     "收件人：{masked_name} {masked}\n收件地址：{ADDRESS}\n"]),
             "托寄物：{goods}  付款方式：寄付月结  {date}"]
    if g.rng.random() < 0.3:
        lines.insert(3, "订单号{s}{ORDER_ID}  代收货款：{amount}\n")
    return lines


def log_zh(g: Gen) -> list[str]:
    pool = [
        "{time} INFO [user-service] 用户登录成功 uid={uid} mobile={PHONE:plain} ip={IP_ADDRESS}\n",
        "{time} WARN [risk] 设备异常 imei={IMEI} mac={MAC_ADDRESS} ip={IP_ADDRESS:v6}\n",
        "{time} INFO [order] 创建订单 orderNo={ORDER_ID} receiver={PERSON} addr={ADDRESS}\n",
        "{time} DEBUG [pay] 绑卡请求 cardNo={BANK_CARD:plain} idNo={CN_RESIDENT_ID} name={PERSON}\n",
        "{time} INFO [lbs] 定位上报 uid={uid} location={GPS_COORDINATE}\n",
        "{time} ERROR [sms] 短信发送失败 phone={PHONE:plain} 模板=验证码\n",
        "{time} INFO [express] 运单{WAYBILL_NO}状态更新 快递员电话{PHONE}\n",
        "{time} INFO [mail] 邮件已发送至{EMAIL}\n",
        "{time} INFO [kyc] 实名认证通过 姓名={PERSON} 身份证={CN_RESIDENT_ID}\n",
        "{time} INFO [parking] 车辆入场 plate={CN_LICENSE_PLATE} 停车场=B2\n",
        "{time} WARN [login] 异地登录 account={PHONE:plain} from {IP_ADDRESS}\n",
        "{time} INFO [hotel] 入住登记 name={PERSON} passportNo={PASSPORT}\n",
        "{time} INFO [border] 港澳通行证{CN_HKMO_PERMIT}核验通过 姓名{PERSON}\n",
    ]
    return _some(g, pool, 1, 4)


_JSON_ZH = [
    ('"name"', "{PERSON}"), ('"mobile"', "{PHONE:plain}"), ('"idCard"', "{CN_RESIDENT_ID}"),
    ('"bankCard"', "{BANK_CARD}"), ('"address"', "{ADDRESS}"), ('"email"', "{EMAIL}"),
    ('"ip"', "{IP_ADDRESS}"), ('"imei"', "{IMEI}"), ('"mac"', "{MAC_ADDRESS}"),
    ('"plateNo"', "{CN_LICENSE_PLATE}"), ('"location"', "{GPS_COORDINATE}"), ('"orderNo"', "{ORDER_ID}"),
    ('"waybillNo"', "{WAYBILL_NO}"), ('"wechat"', "{WECHAT_ID}"), ('"qq"', "{QQ_ID}"),
    ('"birthday"', "{DATE_OF_BIRTH}"), ('"alipayAccount"', "{PAYMENT_ACCOUNT}"),
    ('"passportNo"', "{PASSPORT}"), ('"hkId"', "{HK_ID}"), ('"twId"', "{TW_ID}"),
    ('"hkmoPermitNo"', "{CN_HKMO_PERMIT}"), ('"creditCode"', "{CN_USCC}"), ('"amount"', "{amount}"),
    ('"createTime"', "{time}"), ('"userId"', "{uid}"),
]


def _json(g: Gen, fields: list[tuple[str, str]]) -> list[str]:
    chosen = _some(g, list(range(len(fields))), 3, 8)
    sep = g.pick([", ", ",", ",\n  "])
    body = sep.join(f'{fields[i][0]}: "{fields[i][1]}"' for i in chosen)
    return [g.pick(['{"code": 0, "msg": "success", "data": {', "{", '{"user": {']) + body
            + ("}}" if g.rng.random() < 0.5 else "}")]


def json_zh(g: Gen) -> list[str]:
    return _json(g, _JSON_ZH)


def kyc_zh(g: Gen) -> list[str]:
    kind = g.rng.randrange(4)
    if kind == 0:
        doc = g.pick(["居民身份证\n证件号码：{CN_RESIDENT_ID}\n", "护照\n证件号码：{PASSPORT}\n",
                      "往来港澳通行证\n证件号码：{CN_HKMO_PERMIT}\n", "香港身份证\n证件号码：{HK_ID}\n",
                      "台湾居民身份证\n证件号码：{TW_ID}\n"])
        sex = g.pick(["男", "女"])
        return [f"【实名认证】\n姓名：{{PERSON}}\n性别：{sex}\n出生日期：{{DATE_OF_BIRTH}}\n证件类型：", doc,
                *_some(g, ["手机号码：{PHONE}\n", "电子邮箱：{EMAIL}\n", "联系地址：{ADDRESS}\n",
                           "银行卡号：{BANK_CARD}\n", "微信号：{WECHAT_ID}\n"], 2, 5)]
    if kind == 1:  # one line, values glued to their labels
        return ["注册信息：姓名{PERSON}身份证{CN_RESIDENT_ID}手机{PHONE:plain}",
                g.pick(["卡号{BANK_CARD:plain}", "邮箱{EMAIL}", "住址{ADDRESS}", "生日{DATE_OF_BIRTH}"]),
                "。"]
    if kind == 2:
        return ["企业名称：{company}\n统一社会信用代码：{CN_USCC}\n法定代表人：{PERSON}\n",
                "法人身份证号：{CN_RESIDENT_ID}\n联系电话：{PHONE:landline}\n注册地址：{ADDRESS}\n",
                g.pick(["联系人邮箱：{EMAIL}", "结算银行卡：{BANK_CARD}"])]
    return ["开户申请 客户{PERSON}，出生日期{s}{DATE_OF_BIRTH}，身份证号码{s}{CN_RESIDENT_ID}，",
            "预留手机{s}{PHONE}，", g.pick(["通讯地址{s}{ADDRESS}。", "车牌号{s}{CN_LICENSE_PLATE}。"])]


def sms_zh(g: Gen) -> list[str]:
    return [g.pick([
        "【顺丰速运】您的快件{WAYBILL_NO:sf}已到达{city}营业点，派件员{PERSON}，电话{PHONE:plain}，请保持电话畅通。",
        "【淘宝】亲，您的订单{ORDER_ID}已发货，物流单号{WAYBILL_NO}，收货人{PERSON}。",
        "【中国移动】尊敬的{PERSON}，您的手机号码{PHONE:plain}本月话费{amount}，详询{hotline}。",
        "【{bank}】{PERSON}您好，您向{PERSON}的账户{BANK_CARD}转账{amount}已成功。",
        "【菜鸟驿站】您的包裹已到{ADDRESS}，凭取件码{code}取件，联系电话{PHONE}。",
        "【平安保险】尊敬的{PERSON}客户，您的保单已生效，电子保单已发送至{EMAIL}。",
        "{PERSON}你好，我是快递员，你的件放门卫了，有事打我电话{PHONE:plain}或加微信{WECHAT_ID}。",
        "【滴滴出行】您预约的车辆{CN_LICENSE_PLATE}已到达，司机电话{PHONE}。",
    ])]


def judgment_zh(g: Gen) -> list[str]:
    sex = g.pick(["男", "女"])
    lines = ["{case}\n原告：{PERSON#1}，" + sex + "，{DATE_OF_BIRTH}出生，汉族，住{ADDRESS}，",
             "公民身份号码{CN_RESIDENT_ID}，联系电话{PHONE}。\n"]
    lines.append(g.pick([
        "被告：{PERSON#2}，" + g.pick(["男", "女"]) + "，住{ADDRESS}，公民身份号码{CN_RESIDENT_ID}。\n",
        "被告：{company}，统一社会信用代码{CN_USCC}，住所地{ADDRESS}，法定代表人{PERSON#2}。\n",
    ]))
    lines.append(g.pick([
        "经审理查明：{date}，被告向原告借款{amount}，原告通过其名下{bank}账户{BANK_CARD}转账支付。",
        "经审理查明：{date}，被告驾驶车牌号为{CN_LICENSE_PLATE}的小型轿车与原告发生碰撞。",
        "原告称其支付宝账号{PAYMENT_ACCOUNT}于{date}被他人盗用，损失{amount}。",
    ]))
    return lines


def judgment_masked_zh(g: Gen) -> list[str]:
    """A judgment as published: parties de-identified, numbers partially masked."""
    sex, province = g.pick(["男", "女"]), g.pick(["浙江省", "广东省", "四川省"])
    return [f"{{case}}\n原告：{{masked_name}}，{sex}，19{{n}}年出生，汉族，住所地{province}",
            "。\n被告：{masked_name}，公民身份号码{masked:id}，联系电话{masked}。\n",
            "经审理查明：{date}，被告向原告借款{amount}，原告通过{bank}账户（{masked:card}）转账支付。"]


def insurance_zh(g: Gen) -> list[str]:
    pool = [
        "核实身份证号{s}{CN_RESIDENT_ID}后，客户申请将联系电话变更为{PHONE}。",
        "续期扣款银行卡变更为{BANK_CARD}。",
        "理赔款将转入{PERSON#1}名下{bank}账户{BANK_CARD}，预计3个工作日到账。",
        "客户要求通过微信{WECHAT_ID}接收电子保单，邮箱{EMAIL}。",
        "受益人：{PERSON}，关系：配偶，证件号码{CN_RESIDENT_ID}。",
        "车险报案：车牌{CN_LICENSE_PLATE}，出险地点{ADDRESS}，定位{GPS_COORDINATE}。",
        "客户出生日期{DATE_OF_BIRTH}，投保时年龄已核实。",
        "客户新地址：{ADDRESS}。",
        "客户持往来港澳通行证{s}{CN_HKMO_PERMIT}办理。",
        "投保人为香港居民，香港身份证号码{HK_ID}。",
        "投保人为台湾居民，台湾身份证{TW_ID}。",
    ]
    return ["{time} 回访记录：客户{PERSON#1}（保单号{policy}）来电，", *_some(g, pool, 2, 4)]


def transfer_zh(g: Gen) -> list[str]:
    kind = g.rng.randrange(3)
    if kind == 0:
        return ["交易时间：{time}\n交易类型：跨行转账\n付款人：{PERSON}\n付款卡号：{BANK_CARD}\n",
                "收款人：{PERSON}\n收款卡号：{BANK_CARD}\n收款银行：{bank}\n交易金额：{amount}\n",
                "交易流水号：{digits:20}\n附言：" + g.pick(["房租", "货款", "还款", "生活费"])]
    if kind == 1:
        return ["{time} 支付宝转账 付款方{PERSON} 支付宝账号{s}{PAYMENT_ACCOUNT} ",
                "收款方{PERSON} 支付宝账号{s}{PAYMENT_ACCOUNT} 金额{amount}"]
    return ["境外汇款申请\n汇款人：{PERSON}，卡号{BANK_CARD}，手机{PHONE}\n",
            "收款人：{PERSON:en}\n收款账号（IBAN）：{IBAN}\nSWIFT：DEUTDEFFXXX\n金额：{amount}"]


# -- English -------------------------------------------------------------------------------

def chat_en(g: Gen) -> list[str]:
    pool = [
        "Customer: Sure, it's {PHONE}. The name on the account is {PERSON#1}.\n",
        "Customer: Please ship it to {ADDRESS} instead.\n",
        "Customer: Refund it to my card {BANK_CARD}, please.\n",
        "Customer: You can email me at {EMAIL}.\n",
        "Agent: Your tracking number is {WAYBILL_NO}.\n",
        "Customer: I logged in from {IP_ADDRESS} yesterday and it was blocked.\n",
        "Customer: My date of birth is {DATE_OF_BIRTH} if you need to verify.\n",
    ]
    return ["Customer: Hi, my order no. {ORDER_ID} hasn't arrived yet.\n",
            "Agent: Sorry about that! Could you confirm the phone number on the account?\n",
            *_some(g, pool, 1, 4), "Agent: Thanks, I've escalated this. Anything else?"]


def waybill_en(g: Gen) -> list[str]:
    return ["SHIP TO: {PERSON}\n{ADDRESS}\nPhone: {PHONE}\n", "FROM: {PERSON}\n{ADDRESS}\n",
            "Tracking No.: {WAYBILL_NO}\nShip date: {date}  Contents: {goods}"]


def log_en(g: Gen) -> list[str]:
    pool = [
        "{time} INFO auth login ok user_id={uid} email={EMAIL} ip={IP_ADDRESS}\n",
        "{time} WARN device mismatch imei={IMEI} mac={MAC_ADDRESS}\n",
        "{time} DEBUG payment authorize card={BANK_CARD} amount={amount}\n",
        "{time} INFO profile update phone={PHONE} address=\"{ADDRESS}\"\n",
        "{time} ERROR kyc check failed ssn={US_SSN} name=\"{PERSON}\"\n",
        "{time} INFO geo ping user={uid} coords={GPS_COORDINATE}\n",
        "{time} WARN login from new ip {IP_ADDRESS:v6} for {EMAIL}\n",
    ]
    return _some(g, pool, 1, 4)


_JSON_EN = [
    ('"name"', "{PERSON}"), ('"phone"', "{PHONE}"), ('"email"', "{EMAIL}"), ('"ssn"', "{US_SSN}"),
    ('"dob"', "{DATE_OF_BIRTH}"), ('"address"', "{ADDRESS}"), ('"card_number"', "{BANK_CARD}"),
    ('"iban"', "{IBAN}"), ('"ip"', "{IP_ADDRESS}"), ('"mac"', "{MAC_ADDRESS}"), ('"imei"', "{IMEI}"),
    ('"driver_license"', "{DRIVER_LICENSE}"), ('"location"', "{GPS_COORDINATE}"),
    ('"order_no"', "{ORDER_ID}"), ('"tracking_no"', "{WAYBILL_NO}"), ('"amount"', "{amount}"),
    ('"created_at"', "{time}"), ('"user_id"', "{uid}"),
]


def json_en(g: Gen) -> list[str]:
    return _json(g, _JSON_EN)


def kyc_en(g: Gen) -> list[str]:
    return ["ACCOUNT APPLICATION\nFull name: {PERSON}\nDate of birth: {DATE_OF_BIRTH}\nSSN: {US_SSN}\n",
            *_some(g, ["Driver's license: {DRIVER_LICENSE}\n", "Phone: {PHONE}\n", "Email: {EMAIL}\n",
                       "Residential address: {ADDRESS}\n", "IBAN: {IBAN}\n",
                       "Card number: {BANK_CARD}\n"], 2, 5)]


def sms_en(g: Gen) -> list[str]:
    return [g.pick([
        "Your package {WAYBILL_NO} will be delivered today. Questions? Call {PHONE}.",
        "Hi {PERSON}, your appointment is confirmed for {date}. Reply to {EMAIL} to reschedule.",
        "{PERSON}: I'm outside {ADDRESS}, call me at {PHONE}",
        "Chase alert: card {BANK_CARD} was used for {amount}. Not you? Call {hotline}.",
    ])]


def judgment_en(g: Gen) -> list[str]:
    return ["IN THE SUPERIOR COURT OF THE STATE\nPlaintiff {PERSON#1}, residing at {ADDRESS}, ",
            g.pick(["born {DATE_OF_BIRTH}, ", "date of birth {DATE_OF_BIRTH}, "]),
            "v. Defendant {PERSON#2}. ",
            g.pick(["The defendant withdrew {amount} from the plaintiff's account using card {BANK_CARD}.",
                    "The defendant used the plaintiff's Social Security number {US_SSN} to open accounts.",
                    "The defendant sent threatening messages from {PHONE} and {EMAIL}."])]


def insurance_en(g: Gen) -> list[str]:
    pool = [" Verified DOB {DATE_OF_BIRTH}.", " New mailing address: {ADDRESS}.",
            " Claim payment to IBAN {IBAN}.", " Incident location {GPS_COORDINATE}.",
            " Callback number {PHONE}.", " Policy documents to {EMAIL}."]
    head = "Call note {time}: insured {PERSON#1} (policy {policy}) called from {PHONE}."
    return [head, *_some(g, pool, 2, 4)]


def transfer_en(g: Gen) -> list[str]:
    if g.rng.random() < 0.6:
        return ["Date: {time}\nSender: {PERSON}\nSender IBAN: {IBAN}\n",
                "Beneficiary: {PERSON}\nBeneficiary IBAN: {IBAN}\nBIC: DEUTDEFFXXX\nAmount: {amount}\n",
                "Reference: INV-{digits:8}"]
    return ["Card transfer {time}: from {PERSON} card {BANK_CARD} to {PERSON} card {BANK_CARD}, {amount}"]


GENRES: dict[str, dict[str, Genre]] = {
    "zh": {"chat": chat_zh, "waybill": waybill_zh, "log": log_zh, "json": json_zh, "kyc": kyc_zh,
           "sms": sms_zh, "judgment": judgment_zh, "insurance": insurance_zh, "transfer": transfer_zh},
    "en": {"chat": chat_en, "waybill": waybill_en, "log": log_en, "json": json_en, "kyc": kyc_en,
           "sms": sms_en, "judgment": judgment_en, "insurance": insurance_en, "transfer": transfer_en},
}

# -- hard negatives: look-alikes that are not PI -------------------------------------------

_HARD_ZH = [
    "商品编号{s}{bad_id}，库存{n}件。", "批次号{bad_id}已入库。", "工单号{s}{bad_id}已受理。",
    "交易参考号{s}{bad_card}。", "凭证号{bad_card}，请妥善保管。", "单据号：{bad_card}",
    "如有疑问请致电客服热线{hotline}。", "投诉请拨打{hotline}。", "本次消费{amount}，已优惠{amount}。",
    "下单时间：{time}，支付时间{time:compact}。", "您的验证码是{code}，5分钟内有效，请勿泄露。",
    "验证码{s}{code}", "条码{digits:13}", "箱码{digits:14}已扫描。",
    "当前版本{s}{version}，请升级到最新版本。",
    "固件版本 V{version}", "发票代码{digits:12}，发票号码{digits:8}。", "电子发票号码{digits:20}",
    "收件人{masked_name}，电话{masked}。", "银行卡{masked:card}扣款{amount}。", "证件号{masked:id}",
]
_HARD_EN = [
    "Reference number {bad_card}.", "Call our support line at {hotline}.", "Total charged: {amount}.",
    "Updated at {time}.", "Your verification code is {code}.", "Running version {version}.",
    "Invoice No. INV-{digits:8}", "Card ending in {digits:4} was charged {amount}.",
    "Ticket #{digits:7} has been closed.", "Batch {time:compact} processed {n} rows.",
]


def hard_negative(g: Gen, lang: str) -> tuple[str, list[str]]:
    """(genre, templates) of a record with no PI but with look-alikes."""
    if lang == "zh" and g.rng.random() < 0.2:
        return "judgment", judgment_masked_zh(g)
    pool = _HARD_ZH if lang == "zh" else _HARD_EN
    join = "" if lang == "zh" else " "
    return g.pick(["sms", "log", "chat", "transfer"]), [join.join(_some(g, pool, 1, 3))]
