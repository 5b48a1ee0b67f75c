"""Word lists the model sees as input features: Chinese surnames and place names.

Surnames are written here (the common single-character ones of the 百家姓 and today's
population statistics, and the compound ones); place names come at training time from the
``cpca`` package's table of administrative divisions (``adcodes.csv``: provinces, cities,
districts and counties), with and without their suffix (``杭州市`` and ``杭州``). Both lists
are stored inside the model artifact, so inference needs neither this module's sources
nor ``cpca``.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练"
    "廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿"
    "鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)

COMPOUND_SURNAMES = (
    "欧阳", "太史", "端木", "上官", "司马", "东方", "独孤", "南宫", "万俟", "闻人", "夏侯", "诸葛", "尉迟",
    "公羊", "赫连", "澹台", "皇甫", "宗政", "濮阳", "公冶", "太叔", "申屠", "公孙", "慕容", "仲孙", "钟离",
    "长孙", "宇文", "司徒", "鲜于", "司空", "闾丘", "子车", "亓官", "司寇", "巫马", "公西", "颛孙", "壤驷",
    "公良", "漆雕", "乐正", "宰父", "谷梁", "拓跋", "夹谷", "轩辕", "令狐", "段干", "百里", "呼延", "东郭",
    "南门", "羊舌", "微生", "公户", "公玉", "公仪", "梁丘", "公仲", "公上", "公门", "公山", "公坚", "左丘",
    "公伯", "西门", "公祖", "第五", "公乘", "贯丘", "公皙", "南荣", "东里", "东宫", "仲长", "子书", "子桑",
    "即墨", "达奚", "褚师", "纳兰", "归海", "范姜", "张简", "欧侯",
)

_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "地区", "新区",
             "林区", "矿区", "省", "市", "区", "县", "盟", "旗")


def place_names() -> list[str]:
    """Names of China's administrative divisions from ``cpca``, full and without suffix."""
    spec = importlib.util.find_spec("cpca")  # the package's import needs pkg_resources; its data does not
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("place names come from the cpca package: pip install 'piwarden[train]'")
    table = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    names: set[str] = set()
    with table.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name = row["name"].strip()
            if len(name) < 2 or name.endswith("辖区"):  # 市辖区, 省直辖县级行政区划: not names
                continue
            names.add(name)
            for suffix in _SUFFIXES:
                short = name.removesuffix(suffix)
                if short != name:
                    if len(short) >= 2:
                        names.add(short)
                    break
    return sorted(names)
