"""Chinese compound surnames (复姓), so that 欧阳娜娜 masks as 欧阳** and not 欧***.

From the compound surnames of the Hundred Family Surnames (百家姓) plus common later ones
(拓跋, 呼延, 令狐, 第五, ...). A name starting with one of them keeps two characters.
"""

from __future__ import annotations

_LIST = """
万俟 司马 上官 欧阳 夏侯 诸葛 闻人 东方 赫连 皇甫 尉迟 公羊 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠
公孙 仲孙 轩辕 令狐 钟离 宇文 长孙 慕容 鲜于 闾丘 司徒 司空 亓官 司寇 仉督 子车 颛孙 端木 巫马 公西
漆雕 乐正 壤驷 公良 拓跋 夹谷 宰父 谷梁 段干 百里 东郭 南门 呼延 羊舌 微生 梁丘 左丘 东门 西门 南宫
第五 公仪 公乘 太史 仲长 叔孙 屈突 尔朱 东乡 相里 胡母 司城 张廖 雍门 毋丘 贺兰 綦毋 屋庐 独孤 南郭
北宫 王孙 即墨 达奚 褚师 公户 公玉 公仲 公上 公门 公山 公坚 公伯 公祖 贯丘 公皙 南荣 东里 东宫 子书
子桑 吐谷 纳兰 爱新 叶赫 乌雅 完颜 呼衍 万俟 长鱼 伏羲 尉迟
"""
COMPOUND_SURNAMES: frozenset[str] = frozenset(_LIST.split())


def surname_length(name: str) -> int:
    """1, or 2 for a name that starts with a compound surname."""
    return 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
