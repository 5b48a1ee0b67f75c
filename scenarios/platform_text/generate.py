"""Labeled platform-genre text with PERSON and ADDRESS spans (plus PHONE, EMAIL, CN_RESIDENT_ID).

    python scenarios/platform_text/generate.py --seed 1 --records 2000 --out /tmp/ptext-s1.jsonl [--stats]

Written from a task description only (not from the detector's code, tests, benchmarks or docs); see README.md for
the labeling conventions. Deterministic per seed: one ``random.Random(seed)`` and seeded Faker instances per call,
no global state.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any

from faker import Faker

# ================================================================================================ tables
# (province, city, district/county, province pinyin, city pinyin, district pinyin, GB/T 2260 code, sub-district/town)
# Municipalities repeat the city as the province. All names are real; towns are real ones of that district.
DISTRICTS: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("北京市", "北京市", "东城区", "Beijing", "Beijing", "Dongcheng", "110101", "东华门街道"),
    ("北京市", "北京市", "西城区", "Beijing", "Beijing", "Xicheng", "110102", "金融街街道"),
    ("北京市", "北京市", "朝阳区", "Beijing", "Beijing", "Chaoyang", "110105", "望京街道"),
    ("北京市", "北京市", "丰台区", "Beijing", "Beijing", "Fengtai", "110106", ""),
    ("北京市", "北京市", "海淀区", "Beijing", "Beijing", "Haidian", "110108", "中关村街道"),
    ("北京市", "北京市", "昌平区", "Beijing", "Beijing", "Changping", "110114", "回龙观街道"),
    ("北京市", "北京市", "大兴区", "Beijing", "Beijing", "Daxing", "110115", ""),
    ("上海市", "上海市", "黄浦区", "Shanghai", "Shanghai", "Huangpu", "310101", "外滩街道"),
    ("上海市", "上海市", "徐汇区", "Shanghai", "Shanghai", "Xuhui", "310104", "徐家汇街道"),
    ("上海市", "上海市", "长宁区", "Shanghai", "Shanghai", "Changning", "310105", ""),
    ("上海市", "上海市", "静安区", "Shanghai", "Shanghai", "Jing'an", "310106", "静安寺街道"),
    ("上海市", "上海市", "普陀区", "Shanghai", "Shanghai", "Putuo", "310107", ""),
    ("上海市", "上海市", "杨浦区", "Shanghai", "Shanghai", "Yangpu", "310110", "五角场街道"),
    ("上海市", "上海市", "闵行区", "Shanghai", "Shanghai", "Minhang", "310112", "莘庄镇"),
    ("上海市", "上海市", "浦东新区", "Shanghai", "Shanghai", "Pudong", "310115", "张江镇"),
    ("天津市", "天津市", "和平区", "Tianjin", "Tianjin", "Heping", "120101", ""),
    ("天津市", "天津市", "南开区", "Tianjin", "Tianjin", "Nankai", "120104", ""),
    ("天津市", "天津市", "滨海新区", "Tianjin", "Tianjin", "Binhai", "120116", ""),
    ("重庆市", "重庆市", "渝中区", "Chongqing", "Chongqing", "Yuzhong", "500103", "解放碑街道"),
    ("重庆市", "重庆市", "江北区", "Chongqing", "Chongqing", "Jiangbei", "500105", ""),
    ("重庆市", "重庆市", "沙坪坝区", "Chongqing", "Chongqing", "Shapingba", "500106", ""),
    ("重庆市", "重庆市", "渝北区", "Chongqing", "Chongqing", "Yubei", "500112", ""),
    ("浙江省", "杭州市", "上城区", "Zhejiang", "Hangzhou", "Shangcheng", "330102", ""),
    ("浙江省", "杭州市", "拱墅区", "Zhejiang", "Hangzhou", "Gongshu", "330105", ""),
    ("浙江省", "杭州市", "西湖区", "Zhejiang", "Hangzhou", "Xihu", "330106", "西溪街道"),
    ("浙江省", "杭州市", "滨江区", "Zhejiang", "Hangzhou", "Binjiang", "330108", "长河街道"),
    ("浙江省", "杭州市", "萧山区", "Zhejiang", "Hangzhou", "Xiaoshan", "330109", ""),
    ("浙江省", "杭州市", "余杭区", "Zhejiang", "Hangzhou", "Yuhang", "330110", "五常街道"),
    ("浙江省", "杭州市", "桐庐县", "Zhejiang", "Hangzhou", "Tonglu", "330122", "分水镇"),
    ("浙江省", "宁波市", "海曙区", "Zhejiang", "Ningbo", "Haishu", "330203", ""),
    ("浙江省", "宁波市", "鄞州区", "Zhejiang", "Ningbo", "Yinzhou", "330212", ""),
    ("浙江省", "温州市", "鹿城区", "Zhejiang", "Wenzhou", "Lucheng", "330302", ""),
    ("浙江省", "金华市", "义乌市", "Zhejiang", "Jinhua", "Yiwu", "330782", "佛堂镇"),
    ("江苏省", "南京市", "玄武区", "Jiangsu", "Nanjing", "Xuanwu", "320102", ""),
    ("江苏省", "南京市", "鼓楼区", "Jiangsu", "Nanjing", "Gulou", "320106", ""),
    ("江苏省", "南京市", "江宁区", "Jiangsu", "Nanjing", "Jiangning", "320115", ""),
    ("江苏省", "苏州市", "吴中区", "Jiangsu", "Suzhou", "Wuzhong", "320506", ""),
    ("江苏省", "苏州市", "姑苏区", "Jiangsu", "Suzhou", "Gusu", "320508", ""),
    ("江苏省", "苏州市", "昆山市", "Jiangsu", "Suzhou", "Kunshan", "320583", "周市镇"),
    ("江苏省", "无锡市", "梁溪区", "Jiangsu", "Wuxi", "Liangxi", "320213", ""),
    ("广东省", "广州市", "越秀区", "Guangdong", "Guangzhou", "Yuexiu", "440104", ""),
    ("广东省", "广州市", "海珠区", "Guangdong", "Guangzhou", "Haizhu", "440105", ""),
    ("广东省", "广州市", "天河区", "Guangdong", "Guangzhou", "Tianhe", "440106", "石牌街道"),
    ("广东省", "广州市", "白云区", "Guangdong", "Guangzhou", "Baiyun", "440111", ""),
    ("广东省", "广州市", "番禺区", "Guangdong", "Guangzhou", "Panyu", "440113", ""),
    ("广东省", "深圳市", "罗湖区", "Guangdong", "Shenzhen", "Luohu", "440303", ""),
    ("广东省", "深圳市", "福田区", "Guangdong", "Shenzhen", "Futian", "440304", ""),
    ("广东省", "深圳市", "南山区", "Guangdong", "Shenzhen", "Nanshan", "440305", "粤海街道"),
    ("广东省", "深圳市", "宝安区", "Guangdong", "Shenzhen", "Bao'an", "440306", ""),
    ("广东省", "深圳市", "龙岗区", "Guangdong", "Shenzhen", "Longgang", "440307", "坂田街道"),
    ("广东省", "佛山市", "顺德区", "Guangdong", "Foshan", "Shunde", "440606", ""),
    ("四川省", "成都市", "锦江区", "Sichuan", "Chengdu", "Jinjiang", "510104", ""),
    ("四川省", "成都市", "青羊区", "Sichuan", "Chengdu", "Qingyang", "510105", ""),
    ("四川省", "成都市", "武侯区", "Sichuan", "Chengdu", "Wuhou", "510107", "玉林街道"),
    ("四川省", "成都市", "成华区", "Sichuan", "Chengdu", "Chenghua", "510108", ""),
    ("湖北省", "武汉市", "江岸区", "Hubei", "Wuhan", "Jiang'an", "420102", ""),
    ("湖北省", "武汉市", "武昌区", "Hubei", "Wuhan", "Wuchang", "420106", ""),
    ("湖北省", "武汉市", "洪山区", "Hubei", "Wuhan", "Hongshan", "420111", ""),
    ("湖南省", "长沙市", "岳麓区", "Hunan", "Changsha", "Yuelu", "430104", ""),
    ("湖南省", "长沙市", "开福区", "Hunan", "Changsha", "Kaifu", "430105", ""),
    ("陕西省", "西安市", "雁塔区", "Shaanxi", "Xi'an", "Yanta", "610113", ""),
    ("陕西省", "西安市", "碑林区", "Shaanxi", "Xi'an", "Beilin", "610103", ""),
    ("山东省", "济南市", "历下区", "Shandong", "Jinan", "Lixia", "370102", ""),
    ("山东省", "青岛市", "市南区", "Shandong", "Qingdao", "Shinan", "370202", ""),
    ("山东省", "青岛市", "崂山区", "Shandong", "Qingdao", "Laoshan", "370212", ""),
    ("福建省", "厦门市", "思明区", "Fujian", "Xiamen", "Siming", "350203", ""),
    ("福建省", "厦门市", "湖里区", "Fujian", "Xiamen", "Huli", "350206", ""),
    ("福建省", "福州市", "鼓楼区", "Fujian", "Fuzhou", "Gulou", "350102", ""),
    ("河南省", "郑州市", "金水区", "Henan", "Zhengzhou", "Jinshui", "410105", ""),
    ("河南省", "周口市", "鹿邑县", "Henan", "Zhoukou", "Luyi", "411628", "太清宫镇"),
    ("河北省", "石家庄市", "长安区", "Hebei", "Shijiazhuang", "Chang'an", "130102", ""),
    ("辽宁省", "沈阳市", "和平区", "Liaoning", "Shenyang", "Heping", "210102", ""),
    ("辽宁省", "大连市", "中山区", "Liaoning", "Dalian", "Zhongshan", "210202", ""),
    ("吉林省", "长春市", "南关区", "Jilin", "Changchun", "Nanguan", "220102", ""),
    ("黑龙江省", "哈尔滨市", "南岗区", "Heilongjiang", "Harbin", "Nangang", "230103", ""),
    ("安徽省", "合肥市", "蜀山区", "Anhui", "Hefei", "Shushan", "340104", ""),
    ("江西省", "南昌市", "东湖区", "Jiangxi", "Nanchang", "Donghu", "360102", ""),
    ("云南省", "昆明市", "五华区", "Yunnan", "Kunming", "Wuhua", "530102", ""),
    ("贵州省", "贵阳市", "南明区", "Guizhou", "Guiyang", "Nanming", "520102", ""),
    ("广西壮族自治区", "南宁市", "青秀区", "Guangxi", "Nanning", "Qingxiu", "450103", ""),
    ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "Xinjiang", "Urumqi", "Tianshan", "650102", ""),
    ("新疆维吾尔自治区", "喀什地区", "喀什市", "Xinjiang", "Kashgar", "Kashgar", "653101", ""),
    ("内蒙古自治区", "呼和浩特市", "新城区", "Inner Mongolia", "Hohhot", "Xincheng", "150102", ""),
    ("西藏自治区", "拉萨市", "城关区", "Tibet", "Lhasa", "Chengguan", "540102", ""),
    ("海南省", "海口市", "美兰区", "Hainan", "Haikou", "Meilan", "460108", ""),
    ("甘肃省", "兰州市", "城关区", "Gansu", "Lanzhou", "Chengguan", "620102", ""),
    ("山西省", "太原市", "小店区", "Shanxi", "Taiyuan", "Xiaodian", "140105", ""),
]
ROADS = [("文三路", "Wensan Road"), ("中山路", "Zhongshan Road"), ("人民路", "Renmin Road"), ("解放路", "Jiefang Road"),
         ("建设路", "Jianshe Road"), ("长江路", "Changjiang Road"), ("学院路", "Xueyuan Road"), ("和平路", "Heping Road"),
         ("新华路", "Xinhua Road"), ("延安路", "Yan'an Road"), ("东风路", "Dongfeng Road"), ("友谊路", "Youyi Road"),
         ("花园路", "Huayuan Road"), ("建国路", "Jianguo Road"), ("幸福路", "Xingfu Road"), ("光明路", "Guangming Road"),
         ("科技路", "Keji Road"), ("滨江大道", "Binjiang Avenue"), ("天府大道", "Tianfu Avenue"), ("工业大道", "Gongye Avenue"),
         ("望京街", "Wangjing Street"), ("中关村大街", "Zhongguancun Street"), ("南京东路", "East Nanjing Road"),
         ("淮海中路", "Middle Huaihai Road"), ("长乐路", "Changle Road"), ("黄山路", "Huangshan Road"),
         ("金沙江路", "Jinshajiang Road"), ("高新南一道", "Gaoxin South 1st Road"), ("丰潭路", "Fengtan Road"),
         ("莫干山路", "Moganshan Road"), ("北京路", "Beijing Road"), ("青年路", "Qingnian Road"), ("朝阳北路", "Chaoyang North Road"),
         ("学府街", "Xuefu Street"), ("迎宾大道", "Yingbin Avenue"), ("新街口", "Xinjiekou")]
COMMUNITY_PRE = [("阳光", "Yangguang"), ("万科", "Vanke"), ("碧桂园", "Country Garden"), ("绿城", "Greentown"), ("翠湖", "Cuihu"),
                 ("锦绣", "Jinxiu"), ("龙湖", "Longfor"), ("保利", "Poly"), ("世纪", "Shiji"), ("东方", "Dongfang"), ("紫金", "Zijin"),
                 ("书香", "Shuxiang"), ("金色", "Jinse"), ("香樟", "Xiangzhang"), ("丽景", "Lijing"), ("枫林", "Fenglin"),
                 ("天鹅湖", "Tian'ehu"), ("滨江", "Binjiang"), ("春江", "Chunjiang"), ("和谐", "Hexie"), ("幸福里", "Xingfuli"),
                 ("融创", "Sunac"), ("华润", "CR"), ("金地", "Gemdale")]
COMMUNITY_SUF = [("花园", "Garden"), ("小区", "Community"), ("苑", "Yuan"), ("家园", "Homeland"), ("公寓", "Apartments"),
                 ("新村", "Xincun"), ("华庭", "Huating"), ("名邸", "Mingdi"), ("嘉园", "Jiayuan"), ("城", "City"),
                 ("一期", "Phase I"), ("二期", "Phase II")]
OFFICES = [("望京SOHO", "Wangjing SOHO"), ("东部软件园", "Eastern Software Park"), ("中关村软件园", "Zhongguancun Software Park"),
           ("国际金融中心", "IFC"), ("万达广场", "Wanda Plaza"), ("科技大厦", "Technology Building"), ("创新大厦", "Innovation Tower"),
           ("世贸中心", "World Trade Center"), ("华润大厦", "China Resources Building"), ("海创园", "Haichuang Park"),
           ("软件产业基地", "Software Industry Base"), ("来福士广场", "Raffles City")]
VILLAGES = ["前进村", "红星村", "李家村", "王庄村", "新建村", "东方红村", "张湾村", "胜利村", "刘楼村", "河东村", "杨树村"]
# --- names
COMMON_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
                   "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
RARE_SURNAMES = "禤仉亓佘靳栾邝冼阚缪訾郗逯蒯帅操植晏矫苟麻揭蔺佟寇郜"
COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "慕容", "令狐", "公孙", "夏侯", "长孙", "司徒",
                     "端木", "宇文", "澹台"]
GIVEN_CHARS = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建文斌宇浩凯健俊帆旭宁琳颖婷雪慧倩晶晨阳"
               "欣佳怡嘉子梓涵萱轩睿博一思雨诗梦峰波鑫海燕志远泽铭瑶琪")
WORDLIKE_GIVEN = ["建国", "海燕", "春花", "平安", "国庆", "建军", "秀英", "桂兰", "红梅", "志强", "丽华", "建华", "卫东", "向阳",
                  "胜利", "和平", "永红", "淑芬", "金花", "富贵", "来福", "秋菊", "冬梅", "国强", "爱民", "光明", "新民",
                  "振华", "跃进", "学文", "天明", "晓东", "文静", "美丽", "长江", "春燕", "玉兰", "宝山"]
UYGHUR_GIVEN = ["阿依古丽", "古丽娜扎", "迪丽努尔", "热依拉", "买买提", "艾力", "阿不都", "吐尔逊", "帕提古丽", "艾尔肯",
                "阿迪力", "依明", "热合曼", "麦麦提", "祖丽菲亚", "玛依拉", "再努尔", "努尔兰"]
UYGHUR_FATHER = ["买买提", "艾则孜", "吐尔逊", "阿不都热依木", "艾山", "依明", "热合曼", "司马义", "尼亚孜", "卡德尔", "玉素甫"]
TIBETAN_PARTS = ["扎西", "次仁", "卓玛", "格桑", "多吉", "拉姆", "央金", "平措", "顿珠", "达瓦", "旺堆", "德吉", "白玛", "索朗"]
MONGOL_NAMES = ["巴特尔", "乌兰图雅", "苏日娜", "额尔敦巴雅尔", "其其格", "那仁花", "宝音", "斯琴高娃", "阿拉坦仓", "图门"]
PINYIN_SURNAMES = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu",
                   "Hu", "Guo", "He", "Lin", "Luo", "Zheng", "Ouyang", "Situ"]
PINYIN_GIVEN = ["Wei", "Fang", "Na", "Min", "Jing", "Li", "Qiang", "Lei", "Jun", "Yang", "Yong", "Yan", "Jie", "Tao", "Ming",
                "Chao", "Xiuying", "Jianguo", "Haiyan", "Xiaoming", "Yuting", "Zihan", "Haoran", "Jiahui", "Siyuan", "Chunhua"]
HONORIFIC_AFTER = ["先生", "女士", "小姐", "老师", "经理", "师傅", "同学", "主任"]
# --- negatives and fillers
BRANDS = ["小米14 Pro", "华为Mate 60", "华为Mate 60 Pro", "海尔冰箱", "格力空调", "美的电饭煲", "安踏运动鞋", "蒙牛纯牛奶",
          "伊利酸奶", "九阳豆浆机", "苏泊尔炒锅", "老干妈辣酱", "周大福金饰", "三只松鼠坚果", "雅迪电动车", "OPPO Reno11",
          "vivo X100", "iPhone 15 Pro", "戴森吹风机", "大疆无人机", "海信电视", "比亚迪汉", "飞鹤奶粉", "百雀羚面霜"]
BRANDS_EN = ["iPhone 15 Pro", "Xiaomi 14 Pro", "Huawei Mate 60", "Haier fridge", "Dyson hair dryer", "DJI Mini 4",
             "Anta sneakers", "Midea rice cooker", "Lenovo ThinkPad X1", "Nike Air Max"]
PERSON_BRANDS = ["李宁跑鞋", "李宁卫衣", "王老吉凉茶", "张小泉剪刀", "王守义十三香", "陈克明挂面", "杨国福麻辣烫", "张亮麻辣烫",
                 "马应龙药膏", "李锦记蚝油", "谭木匠梳子", "乔丹运动鞋"]
STORES = ["小米官方旗舰店", "华为官方旗舰店", "优衣库旗舰店", "京东自营", "天猫超市", "王记烧饼", "李记牛肉面", "老王水果店",
          "张姐麻辣烫", "周记海鲜", "良品铺子旗舰店", "百草味官方店", "盒马鲜生", "名创优品"]
SURNAME_PLACES = ["张家界", "张家口", "王府井", "马鞍山", "石家庄", "周庄", "朱家角", "黄山", "金华", "钱塘江", "高淳"]
# a carrier sentence and the surname-like common word inside it
SURNAME_WORDS_ZH = {  # carrier sentences (buyer voice, agent voice, note voice) and the surname-like word inside
    "WORD": ["这款{黄金}手链是足金的吗", "{周末}也可以送货吗", "{钱包}和卡都在包裹里", "颜色要{白色}的", "{方便}的话下午送",
             "{金额}怎么对不上", "{黄色}那款还有吗", "{马上}要用，能加急吗"],
    "WORDA": ["很{高兴}为您服务", "我们{马上}为您处理", "{许多}顾客反馈很好", "发货{时间}是48小时内", "{金额}已经原路退回",
              "{黄色}那款暂时没货了", "{周末}也正常配送"],
    "WORDN": ["客户表示{方便}时再送", "已{马上}安排补发", "客户{高兴}地表示满意", "{金额}已原路退回", "客户要求{周末}配送",
              "客户称{钱包}遗失在包裹内"],
}
JOB_TITLES = ["客服专员", "理赔专员", "快递员", "配送员", "店长", "区域经理", "客户经理", "柜员", "人事专员", "主管", "站点负责人",
              "售后工程师", "骑手", "理财经理", "查勘员"]
JOB_TITLES_EN = ["account manager", "claims adjuster", "courier", "store manager", "customer service agent", "supervisor",
                 "HR specialist", "delivery rider"]
FACILITIES = ["{c}转运中心", "{c}分拨中心", "{c}集散中心", "菜鸟驿站", "丰巢快递柜", "京东快递站", "{c}航空部", "兔喜生活超市"]
COMPANY_WORDS = ["网络科技", "电子商务", "商贸", "物流", "供应链管理", "信息技术", "贸易", "食品"]
BANKS = ["招商银行", "工商银行", "建设银行", "农业银行", "中国银行", "交通银行", "浦发银行", "兴业银行"]
COURIERS = ["顺丰", "中通", "圆通", "韵达", "申通", "京东物流", "极兔", "EMS"]
ITEMS = ["连衣裙", "运动鞋", "手机壳", "充电宝", "蓝牙耳机", "床上四件套", "保温杯", "儿童玩具", "洗衣液", "纸巾", "大米", "茶叶",
         "羽绒服", "台灯", "电动牙刷", "猫粮", "行李箱", "书包"]
ITEMS_EN = ["dress", "sneakers", "phone case", "power bank", "earbuds", "thermos", "backpack", "desk lamp", "suitcase"]
DEPTS = ["技术部", "市场部", "财务部", "人力资源部", "客服中心", "仓储物流部", "销售一部", "法务部"]
DEPTS_EN = ["Engineering", "Marketing", "Finance", "HR", "Customer Service", "Logistics", "Sales", "Legal"]
RELATIONS = ["配偶", "父亲", "母亲", "儿子", "女儿", "兄弟", "姐妹", "朋友"]
RELATIONS_EN = ["spouse", "father", "mother", "son", "daughter", "brother", "sister", "friend"]
ACCIDENTS = ["追尾事故", "剐蹭", "车辆被盗", "暴雨导致车辆泡水", "家中水管破裂", "手机意外碎屏", "骑车摔伤", "行李丢失"]
ACCIDENTS_EN = ["rear-end collision", "minor scrape", "burst water pipe", "cracked phone screen", "bike fall", "lost luggage"]
HOSPITALS = ["{c}第一人民医院", "{c}中医院", "{c}妇幼保健院", "{c}儿童医院"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "147", "150", "151", "152", "153", "155",
                   "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181", "182", "183", "185",
                   "186", "187", "188", "189", "191", "193", "195", "198", "199"]
AREA_CODES = ["010", "021", "022", "023", "020", "025", "027", "028", "029", "0571", "0574", "0755", "0512", "0591", "0531"]
EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "gmail.com", "outlook.com", "139.com", "yeah.net"]
PINYIN_SYLL = ["zhang", "wang", "li", "liu", "chen", "xiao", "ming", "hua", "jun", "lei", "fang", "ting", "yu", "hao", "jie",
               "wei", "na", "lin", "feng", "yun", "qing", "bo", "xin", "yi"]


# ================================================================================================ generation
@dataclass
class Doc:
    """Text under construction with its labels."""
    parts: list[str] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)
    negs: list[dict[str, Any]] = field(default_factory=list)
    n: int = 0

    def add(self, s: str, typ: str | None = None, neg: str | None = None) -> None:
        if not s:
            return
        if typ:
            self.spans.append({"start": self.n, "end": self.n + len(s), "type": typ, "value": s})
        elif neg:
            self.negs.append({"start": self.n, "end": self.n + len(s), "kind": neg})
        self.parts.append(s)
        self.n += len(s)

    @property
    def text(self) -> str:
        return "".join(self.parts)


PLACEHOLDER = re.compile(r"\{([A-Za-z]+)(\d?)\}|<<([^<>/]+)/(\w+)>>")
INLINE_KINDS = {"w": "surname_like_word", "job": "job_title", "title": "surname_title", "place": "bare_place",
                "brand": "product_brand", "fac": "logistics_facility"}


@dataclass
class Person:
    text: str
    kind: str
    surname: str | None   # None for minority names
    latin: bool


class Gen:
    """All drawing goes through self.r (one Random per seed) and two Faker instances seeded from it."""

    def __init__(self, seed: int) -> None:
        self.r = Random(seed)
        self.fz = Faker("zh_CN")
        self.fz.seed_instance(seed)
        self.fe = Faker("en_US")
        self.fe.seed_instance(seed + 100_003)
        self.kinds: Counter[str] = Counter()
        self.templates: Counter[str] = Counter()

    # ----------------------------------------------------------------------------------- values
    def person(self, lang: str) -> Person:
        r = self.r
        if lang == "en":
            kind = r.choices(["english", "pinyin", "faker_zh", "common_3char"], [50, 30, 12, 8])[0]
        else:
            kind = r.choices(["faker_zh", "common_2char", "common_3char", "wordlike_given", "rare_surname",
                              "compound_surname", "minority", "english"], [30, 12, 14, 11, 8, 9, 9, 4])[0]
        if kind == "faker_zh":
            sur, given = self.fz.last_name(), self.fz.first_name()
            return Person(sur + given, kind, sur, False)
        if kind == "common_2char":
            sur = r.choice(COMMON_SURNAMES)
            return Person(sur + r.choice(GIVEN_CHARS), kind, sur, False)
        if kind == "common_3char":
            sur = r.choice(COMMON_SURNAMES)
            return Person(sur + r.choice(GIVEN_CHARS) + r.choice(GIVEN_CHARS), kind, sur, False)
        if kind == "wordlike_given":
            sur = r.choice(COMMON_SURNAMES)
            return Person(sur + r.choice(WORDLIKE_GIVEN), kind, sur, False)
        if kind == "rare_surname":
            sur = r.choice(RARE_SURNAMES)
            given = r.choice(GIVEN_CHARS) + (r.choice(GIVEN_CHARS) if r.random() < 0.6 else "")
            return Person(sur + given, kind, sur, False)
        if kind == "compound_surname":
            sur = r.choice(COMPOUND_SURNAMES)
            given = r.choice(GIVEN_CHARS) + (r.choice(GIVEN_CHARS) if r.random() < 0.5 else "")
            return Person(sur + given, kind, sur, False)
        if kind == "minority":
            style = r.random()
            if style < 0.45:
                text = r.choice(UYGHUR_GIVEN) + "·" + r.choice(UYGHUR_FATHER)
            elif style < 0.6:
                text = r.choice(["古丽娜扎", "阿依古丽", "迪丽努尔", "帕提古丽", "祖丽菲亚"])
            elif style < 0.8:
                a, b = r.sample(TIBETAN_PARTS, 2)
                text = a + b
            else:
                text = r.choice(MONGOL_NAMES)
            return Person(text, kind, None, False)
        if kind == "english":
            first, last = self.fe.first_name(), self.fe.last_name()
            mid = (" " + self.fe.first_name()) if r.random() < 0.05 else ""
            return Person(f"{first}{mid} {last}", kind, last, True)
        sur, given = r.choice(PINYIN_SURNAMES), r.choice(PINYIN_GIVEN)
        if r.random() < 0.25:
            return Person(f"{sur.upper()} {given}", kind, sur, True)
        return Person(f"{given} {sur}" if r.random() < 0.3 else f"{sur} {given}", kind, sur, True)

    def phone(self) -> str:
        r = self.r
        if r.random() < 0.07:
            code = r.choice(AREA_CODES)
            num = str(r.randint(2, 8)) + "".join(str(r.randint(0, 9)) for _ in range(7))
            return r.choice([f"{code}-{num}", f"{code}-{num}", f"{code}{num}", f"{code} {num}"])
        num = r.choice(MOBILE_PREFIXES) + "".join(str(r.randint(0, 9)) for _ in range(8))
        form = r.random()
        if form < 0.08:
            return f"{num[:3]}-{num[3:7]}-{num[7:]}"
        if form < 0.16:
            return f"{num[:3]} {num[3:7]} {num[7:]}"
        return num

    def resident_id(self) -> str:
        r = self.r
        code = r.choice(DISTRICTS)[6]
        body = f"{code}{r.randint(1950, 2005)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}{r.randint(0, 999):03d}"
        s = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(body))
        return body + "10X98765432"[s % 11]

    def email(self, p: Person | None) -> str:
        r = self.r
        if p is not None and p.latin and r.random() < 0.7:
            parts = p.text.lower().replace("'", "").split()
            local = r.choice([".".join(parts), parts[0] + parts[-1], parts[0][0] + parts[-1], parts[0] + str(r.randint(1, 99))])
            return f"{local}@{r.choice(['gmail.com', 'outlook.com', 'yahoo.com', 'hotmail.com', 'icloud.com'])}"
        if r.random() < 0.3:
            return f"{r.randint(10000, 3999999999)}@qq.com"
        local = "".join(r.sample(PINYIN_SYLL, r.randint(1, 3)))
        if r.random() < 0.6:
            local += r.choice(["", "_", "."]) + str(r.randint(1, 2024))
        return f"{local}@{r.choice(EMAIL_DOMAINS)}"

    # ----------------------------------------------------------------------------------- addresses
    def _room(self) -> str:
        r = self.r
        room = f"{r.randint(1, 32)}{r.randint(1, 8):02d}"
        return room + ("室" if r.random() < 0.6 else "")

    def _building(self) -> str:
        r = self.r
        n = r.randint(1, 28)
        return r.choice([f"{n}号楼", f"{n}栋", f"{n}幢", f"{r.choice('ABCDEF')}座", f"{r.choice('ABCD')}栋", f"{n}号楼"])

    def _community_tail(self, with_room: bool = True) -> str:
        r = self.r
        name = r.choice(COMMUNITY_PRE)[0] + r.choice(COMMUNITY_SUF)[0]
        if r.random() < 0.15:
            return name + f"{r.randint(1, 28)}-{r.randint(1, 6)}-{r.randint(1, 32)}{r.randint(1, 4):02d}"
        out = name + self._building()
        if r.random() < 0.6:
            out += f"{r.randint(1, 6)}单元"
        return out + (self._room() if with_room or r.random() < 0.5 else "")

    def _office_tail(self) -> str:
        r = self.r
        name = r.choice(OFFICES)[0]
        b = r.choice([f"T{r.randint(1, 3)} ", f"{r.choice('ABCD')}座", f"{r.randint(1, 9)}号楼", ""])
        room = r.choice([f"{r.randint(2, 40)}{r.randint(1, 30):02d}", f"{r.randint(2, 40)}层", f"{r.randint(2, 40)}楼{r.randint(1, 30):02d}室"])
        if not b and room[-1].isdigit():
            b = " "
        return name + b + room

    def _road(self) -> str:
        r = self.r
        road = r.choice(ROADS)[0]
        if road.endswith("路") and r.random() < 0.12:
            return f"{road}{r.randint(1, 1200)}弄{r.randint(1, 60)}号"
        return road + r.choice([f"{r.randint(1, 999)}号", f"{r.randint(1, 999)}号", f"{r.randint(1, 300)}-{r.randint(1, 20)}号",
                                f"{r.randint(1, 99)}号院"])

    def _tail(self) -> str:
        r = self.r
        x = r.random()
        if x < 0.25:
            return self._road()
        if x < 0.55:
            return self._road() + self._community_tail()
        if x < 0.7:
            return self._road() + self._office_tail()
        return self._community_tail()

    def _head(self, d: tuple[str, ...], level: str, sep: str = "") -> str:
        prov, city, dist = d[0], d[1], d[2]
        muni = prov == city
        if level == "province":
            parts = [city, dist] if muni else [prov, city, dist]
        elif level == "city":
            parts = [city, dist]
        else:
            parts = [dist]
        if d[7] and self.r.random() < 0.25:
            parts.append(d[7])
        return sep.join(parts)

    def address(self, lang: str, detail_pair: bool = False) -> tuple[str, str] | tuple[str, str, str]:
        """(text, kind); with detail_pair, (region, detail, kind) for 所在地区 + 详细地址 forms."""
        r = self.r
        d = r.choice(DISTRICTS)
        if detail_pair:
            region = self._head(d, "province") if r.random() < 0.6 else self._head(d, "province", " ")
            return region, self._tail(), "region_detail"
        if lang == "en" and r.random() < 0.75:
            if r.random() < 0.2:
                return f"{self.fe.street_address()}, {self.fe.city()}, {self.fe.state_abbr()}", "english_us"
            return self._english_cn(d), "english_cn"
        kind = r.choices(["full", "no_province", "from_district", "community_only", "road_only", "spaced", "office",
                          "rural", "faker"], [24, 14, 12, 11, 7, 8, 8, 6, 10])[0]
        if kind == "rural" and not d[2].endswith(("县", "市")):
            d = r.choice([x for x in DISTRICTS if x[2].endswith(("县", "市"))])
        if kind == "faker":
            a = self.fz.address()
            m = re.fullmatch(r"(.+?) (\d{6})", a)
            return (m.group(1) if m else a), kind
        if kind == "community_only":
            return self._community_tail(), kind
        if kind == "road_only":
            return self._road() + (self._community_tail() if r.random() < 0.4 else ""), kind
        if kind == "office":
            return self._head(d, r.choice(["district", "district", "city"])) + self._office_tail(), kind
        if kind == "rural":
            town = d[7] or r.choice(["城关镇", "新华镇", "太平乡"])
            level = "province" if r.random() < 0.6 else "city"
            head = (self._head(d, level) if not d[7] else self._head(d, level).removesuffix(d[7])) + town
            return head + r.choice(VILLAGES) + r.choice([f"{r.randint(1, 12)}组", f"{r.randint(1, 200)}号",
                                                         f"{r.randint(1, 9)}组{r.randint(1, 60)}号"]), kind
        if kind == "spaced":
            head = self._head(d, "province", " ")
            if d[0] == d[1] and r.random() < 0.5:
                head = d[0].removesuffix("市") + " " + head
            tail = self._tail()
            if r.random() < 0.4:
                tail = re.sub(r"(号)(?=\S)", r"\1 ", tail, count=1)
            return head + " " + tail, kind
        level = {"full": "province", "no_province": "city", "from_district": "district"}[kind]
        return self._head(d, level) + self._tail(), kind

    def _english_cn(self, d: tuple[str, ...]) -> str:
        r = self.r
        parts: list[str] = []
        style = r.random()
        if style < 0.7:
            if r.random() < 0.8:
                parts.append(f"{r.choice(['Room', 'Rm', 'Apt', 'Room'])} {r.randint(1, 32)}{r.randint(1, 8):02d}")
            if r.random() < 0.5:
                parts.append(f"Unit {r.randint(1, 6)}")
            parts.append(r.choice([f"Building {r.randint(1, 28)}", f"Bldg {r.randint(1, 28)}", f"Tower {r.choice('ABC')}"]))
            if r.random() < 0.6:
                pre, suf = r.choice(COMMUNITY_PRE)[1], r.choice(COMMUNITY_SUF)[1]
                parts.append(f"{pre} {suf}")
            elif r.random() < 0.5:
                parts.append(r.choice(OFFICES)[1])
        road = r.choice(ROADS)[1]
        parts.append(r.choice([f"No. {r.randint(1, 999)} {road}", f"{r.randint(1, 999)} {road}"]))
        dist = d[5]
        if d[2].endswith("县"):
            parts.append(f"{dist} County")
        elif d[2].endswith("新区"):
            parts.append(f"{dist} New Area")
        elif d[2].endswith("区"):
            parts.append(f"{dist} District")
        elif dist != d[4]:
            parts.append(dist)
        if r.random() < 0.85:
            parts.append(d[4])
            if d[0] != d[1] and r.random() < 0.7:
                parts.append(d[3] + (" Province" if r.random() < 0.3 and "Mongolia" not in d[3] and d[3] != "Tibet" else ""))
        if r.random() < 0.15:
            parts.append("China")
        return ", ".join(parts)

    # ----------------------------------------------------------------------------------- negatives / fillers
    def digits(self, n: int, first: str = "123456789") -> str:
        return self.r.choice(first) + "".join(str(self.r.randint(0, 9)) for _ in range(n - 1))

    def order_number(self) -> str:
        r = self.r
        while True:
            if r.random() < 0.5:
                s = f"{r.choice(['2025', '2026'])}{r.randint(1, 12):02d}{r.randint(1, 28):02d}" + self.digits(r.randint(8, 11), "0123456789")
            else:
                s = self.digits(r.choice([16, 18, 19]), "1234")
            if not _luhn_ok(s) and not (len(s) == 18 and _id_check_ok(s)):
                return s

    def tracking(self) -> str:
        r = self.r
        p = r.choice(["SF", "YT", "JT", "ZTO", "YD", "JDX", ""])
        return p + self.digits(r.choice([12, 13, 15]), "2345678")

    def sku(self) -> str:
        r = self.r
        return r.choice([f"{r.choice(['HW', 'MI', 'HR', 'GL'])}-{r.choice('ABCMPX')}{r.randint(10, 99)}-{r.choice(['128G', '256G', '512G', 'BK', 'WH'])}",
                         f"{r.choice('ABCDEFGH')}{r.randint(1000, 9999)}-{r.choice(['S', 'M', 'L', 'XL', 'XXL'])}",
                         f"100{self.digits(9, '0123456789')}"])

    def masked_name(self) -> str:
        r = self.r
        sur = r.choice(COMMON_SURNAMES) if r.random() < 0.85 else r.choice(COMPOUND_SURNAMES)
        return r.choice([sur + "*", sur + "**", sur + "*" + r.choice(GIVEN_CHARS), "*" + r.choice(GIVEN_CHARS), sur + "某某"])

    def date(self, lang: str) -> str:
        r = self.r
        y, m, d = r.choice([2025, 2026]), r.randint(1, 12), r.randint(1, 28)
        if lang == "en":
            return r.choice([f"{y}-{m:02d}-{d:02d}", f"{['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][m - 1]} {d}, {y}"])
        return r.choice([f"{y}年{m}月{d}日", f"{m}月{d}日", f"{y}-{m:02d}-{d:02d}", f"{y}/{m}/{d}"])


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(number[::-1]):
        v = int(ch) * (2 if i % 2 else 1)
        total += v - 9 if v > 9 else v
    return total % 10 == 0


def _id_check_ok(s: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", s):
        return False
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(s[:17]))
    return "10X98765432"[total % 11] == s[17]


class Ctx:
    """Per-record placeholder values: the same key gives the same value within one record."""

    def __init__(self, g: Gen, lang: str) -> None:
        self.g, self.lang, self.vals = g, lang, {}
        self.doc = Doc()

    def person(self, i: str) -> Person:
        key = "P" + i
        if key not in self.vals:
            self.vals[key] = self.g.person(self.lang)
        return self.vals[key]

    def resolve(self, name: str, i: str) -> list[tuple[str, str | None, str | None]]:
        """Pieces (text, span type, negative kind) for a placeholder."""
        g, r, lang, key = self.g, self.g.r, self.lang, name + i
        if key in self.vals and not isinstance(self.vals[key], Person):
            return self.vals[key]
        out: list[tuple[str, str | None, str | None]]
        if name == "P":
            p = self.person(i)
            if "emitted" + key not in self.vals:  # count a name once, when it first appears in the text
                self.vals["emitted" + key] = True
                g.kinds["name:" + p.kind] += 1
            return [(p.text, "PERSON", None)]
        if name == "A":
            text, kind = g.address(lang)  # type: ignore[misc]
            g.kinds["addr:" + kind] += 1
            out = [(text, "ADDRESS", None)]
            if kind == "faker" and r.random() < 0.5:  # as Faker writes it: the postcode after a blank, outside the span
                out += [(" ", None, None), (g.digits(6, "1234568"), None, "postcode")]
        elif name in ("AR", "AD"):  # region + detail pair, drawn together
            region, detail, kind = g.address(lang, detail_pair=True)  # type: ignore[misc]
            g.kinds["addr:" + kind] += 1
            self.vals["AR" + i], self.vals["AD" + i] = [(region, "ADDRESS", None)], [(detail, "ADDRESS", None)]
            return self.vals[key]
        elif name == "T":
            out = [(g.phone(), "PHONE", None)]
        elif name == "E":
            p = self.vals.get("P" + (i or "1"))
            out = [(g.email(p if isinstance(p, Person) else None), "EMAIL", None)]
        elif name == "I":
            out = [(g.resident_id(), "CN_RESIDENT_ID", None)]
        elif name == "S":  # surname + title of person i (or of someone else if that person has no surname)
            p = self.person(i or "1")
            if p.latin:
                out = [(f"{r.choice(['Mr.', 'Ms.', 'Mrs.', 'Mr', 'Ms'])} {p.surname}", None, "surname_title")]
            else:
                sur = p.surname or r.choice(COMMON_SURNAMES)
                out = [(sur + r.choice(["女士", "先生", "经理", "总", "老师", "师傅", "小姐", "姐", "哥"]), None, "surname_title")]
        elif name == "SX":  # an unrelated 老王 / 小李 / 张经理
            sur = r.choice(COMMON_SURNAMES)
            if lang == "en":
                out = [(f"{r.choice(['Mr.', 'Ms.'])} {r.choice(PINYIN_SURNAMES)}", None, "surname_title")]
            else:
                out = [(r.choice([f"老{sur}", f"小{sur}", f"{sur}经理", f"{sur}总", f"{sur}师傅", f"{sur}主管"]), None, "surname_title")]
        elif name == "H":  # honorific after a full name: not labeled, not a negative
            out = [("" if lang == "zh" and r.random() < 0.35 else r.choice(HONORIFIC_AFTER), None, None)]
        elif name == "G":  # English honorific before a full name
            out = [(r.choice(["Mr. ", "Ms. ", "Mrs. ", "Dr. ", ""]), None, None)]
        elif name == "CITY":
            d = r.choice(DISTRICTS)
            c = (d[4] if lang == "en" else r.choice([d[1], d[1].removesuffix("市"), d[0].removesuffix("省")]))
            out = [(c, None, "bare_place")]
        elif name == "PLACE":
            out = [(r.choice(SURNAME_PLACES), None, "surname_like_place")]
        elif name in SURNAME_WORDS_ZH:
            a, word, b = re.fullmatch(r"(.*)\{(.+)\}(.*)", r.choice(SURNAME_WORDS_ZH[name])).groups()  # type: ignore[union-attr]
            out = [(a, None, None), (word, None, "surname_like_word"), (b, None, None)]
        elif name == "JOB":
            out = [(r.choice(JOB_TITLES_EN if lang == "en" else JOB_TITLES), None, "job_title")]
        elif name == "BRAND":
            out = [(r.choice(BRANDS_EN if lang == "en" else BRANDS), None, "product_brand")]
        elif name == "PBRAND":
            out = [(r.choice(PERSON_BRANDS), None, "person_named_brand")]
        elif name == "STORE":
            out = [(r.choice(STORES), None, "store_name")]
        elif name == "COMPANY":
            c = r.choice(DISTRICTS)[1].removesuffix("市")
            out = [(c + r.choice(["云帆", "星辰", "优品", "恒达", "嘉禾", "宏远", "新锐", "众诚"]) + r.choice(COMPANY_WORDS) + "有限公司",
                    None, "organization")]
        elif name == "HOSP":
            c = r.choice(DISTRICTS)[1].removesuffix("市")
            out = [(r.choice(HOSPITALS).format(c=c), None, "organization")]
        elif name == "FAC":
            d = r.choice(DISTRICTS)
            if lang == "en":
                out = [(f"{d[4]} {r.choice(['sorting hub', 'transit center', 'distribution center'])}", None, "logistics_facility")]
            else:
                out = [(r.choice(FACILITIES).format(c=d[1].removesuffix("市")), None, "logistics_facility")]
        elif name == "COMM":  # a community named without building or number: not an address
            out = [(r.choice(COMMUNITY_PRE)[0] + r.choice(COMMUNITY_SUF)[0], None, "community_without_number")]
        elif name == "ROOMONLY" and lang == "en":
            out = [(r.choice([f"Room {r.randint(1, 32)}{r.randint(1, 8):02d}", f"Unit {r.randint(1, 6)}-{r.randint(1, 32)}{r.randint(1, 4):02d}"]),
                    None, "room_number")]
        elif name == "ROOMONLY":
            out = [(r.choice([f"{r.randint(1, 28)}栋{r.randint(1, 6)}单元{r.randint(1, 32)}{r.randint(1, 4):02d}",
                              f"{r.randint(1, 32)}{r.randint(1, 8):02d}室", f"{r.choice('ABC')}座{r.randint(2, 30)}{r.randint(1, 20):02d}"]),
                    None, "room_number")]
        elif name == "ORDER":
            out = [(g.order_number(), None, "order_number")]
        elif name == "TRACK":
            out = [(g.tracking(), None, "tracking_number")]
        elif name == "SKU":
            out = [(g.sku(), None, "sku_code")]
        elif name == "MNAME":
            out = [(g.masked_name(), None, "masked_name")]
        elif name == "MPHONE":
            out = [(r.choice(MOBILE_PREFIXES) + "****" + g.digits(4, "0123456789"), None, "masked_phone")]
        elif name == "ZIP":
            out = [(g.digits(6, "1234568"), None, "postcode")]
        elif name == "NICK":
            out = [(r.choice(["小美", "小雪", "小鱼", "阿杰", "糖糖", "小七", "安安", "Coco"]), None, "nickname")]
        elif name == "ITEM":
            out = [(r.choice(ITEMS_EN if lang == "en" else ITEMS), None, None)]
        elif name == "DATE":
            out = [(g.date(lang), None, None)]
        elif name == "TIME":
            out = [(f"{r.randint(8, 21):02d}:{r.randint(0, 59):02d}", None, None)]
        elif name == "AMT":
            out = [(r.choice([str(r.randint(5, 9999)), f"{r.randint(5, 9999)}.{r.randint(0, 99):02d}"]), None, None)]
        elif name == "NUM":
            out = [(str(r.randint(2, 9)), None, None)]
        elif name == "TAIL":
            out = [(g.digits(4, "0123456789"), None, None)]
        elif name == "CODE":
            out = [(r.choice([f"{r.randint(1, 9)}-{r.randint(1, 9)}-{r.randint(1000, 9999)}", g.digits(6, "123456789")]), None, None)]
        elif name == "COURIER":
            out = [(r.choice(COURIERS), None, None)]
        elif name == "BANK":
            out = [(r.choice(BANKS), None, None)]
        elif name == "DEPT":
            out = [(r.choice(DEPTS_EN if lang == "en" else DEPTS), None, None)]
        elif name == "REL":
            out = [(r.choice(RELATIONS_EN if lang == "en" else RELATIONS), None, None)]
        elif name == "ACC":
            out = [(r.choice(ACCIDENTS_EN if lang == "en" else ACCIDENTS), None, None)]
        elif name == "WO":
            out = [(r.choice(["GD", "WO", "TS", "KF"]) + f"{r.choice([2025, 2026])}{r.randint(1, 12):02d}{r.randint(1, 28):02d}{r.randint(1000, 9999)}", None, None)]
        elif name == "EMP":
            out = [(r.choice(["E", "HZ", "BJ", "A"]) + g.digits(r.choice([4, 5, 6]), "0123456789"), None, None)]
        elif name == "POLICY":
            out = [(r.choice(["PDAA", "PICC", "AEGA", "P"]) + f"{r.choice([2025, 2026])}" + g.digits(r.choice([10, 12]), "0123456789"), None, None)]
        elif name == "MONTH":
            out = [(f"{r.randint(1, 12)}月" if lang == "zh" else r.choice(["Jan", "March", "May", "Sep", "Dec"]), None, None)]
        elif name == "SEX":
            out = [(r.choice(["男", "女"]), None, None)]
        else:
            raise KeyError(name)
        self.vals[key] = out
        return out

    def emit(self, template: str) -> None:
        pos = 0
        for m in PLACEHOLDER.finditer(template):
            self.doc.add(template[pos:m.start()])
            if m.group(3):
                self.doc.add(m.group(3), neg=INLINE_KINDS[m.group(4)])
            else:
                for text, typ, neg in self.resolve(m.group(1), m.group(2)):
                    self.doc.add(text, typ, neg)
            pos = m.end()
        self.doc.add(template[pos:])

    def pick(self, tid: str, options: list[str]) -> str:
        k = self.g.r.randrange(len(options))
        self.g.templates[f"{tid}#{k}"] += 1
        return options[k]


# ================================================================================================ genres
# Each genre builder writes one record into ctx.doc; `neg_only` asks for a record with no PI at all.

def waybill(c: Ctx, neg_only: bool) -> None:
    r, en = c.g.r, c.lang == "en"
    if neg_only:
        c.emit(c.pick("waybill-neg-en" if en else "waybill-neg", [
            "Tracking {TRACK}: arrived at {FAC} on {DATE}, out for delivery.",
            "Shipment {TRACK} left {FAC}; recipient {MNAME}, {MPHONE}.",
            "Your parcel ({BRAND}) is held at {FAC}. Order {ORDER}.",
        ] if en else [
            "【{COURIER}】您的快件{TRACK}已到达【{FAC}】，正在派送中",
            "运单号：{TRACK}\n收件人：{MNAME}\n电话：{MPHONE}\n物品：{BRAND}",
            "快件已从{FAC}发出，下一站{FAC2}，订单号{ORDER}",
            "收件人：{MNAME}  {MPHONE}\n寄件人：{STORE}\n货号：{SKU}",
            "【{COURIER}】{CITY}转{CITY2}，快件{TRACK}已揽收，备注：{WORD}",
            "包裹已放入{FAC}，取件码{CODE}，请{SX}尽快取件",
        ]))
        return
    if en:
        fields = [("Recipient", "Consignee", "Ship to", "Name", "Receiver"), ("Tel", "Phone", "Mobile", "Contact"),
                  ("Address", "Addr", "Shipping address", "Deliver to")]
        lines = [f"{r.choice(fields[0])}: {{P1}}", f"{r.choice(fields[1])}: {{T1}}", f"{r.choice(fields[2])}: {{A1}}"]
        if r.random() < 0.5:
            lines += [f"Sender: {r.choice(['{P2}', '{STORE}', '{COMPANY}'])}", "Sender tel: {T2}"]
        extra = ["Tracking No.: {TRACK}", "Order: {ORDER}", "Item: {BRAND}", "Weight: {NUM}.5 kg", "Postcode: {ZIP}", "SKU: {SKU}"]
        lines += r.sample(extra, r.randint(1, 3))
        r.shuffle(lines) if r.random() < 0.2 else None
        c.g.templates["waybill-en-fields"] += 1
        c.emit(r.choice(["\n", " | ", "; "]).join(lines))
        return
    style = r.choices(["multiline", "oneline", "compact", "both", "masked", "region"], [30, 18, 16, 18, 8, 10])[0]
    if style != "compact":
        c.g.templates[f"waybill-{style}"] += 1
    name_l = r.choice(["收件人", "收货人", "收件人姓名", "收方", "联系人", "收件"])
    tel_l = r.choice(["电话", "手机", "联系电话", "手机号", "收件人电话", "TEL"])
    addr_l = r.choice(["地址", "收货地址", "收件地址", "详细地址", "收件人地址"])
    kv = r.choice(["：", ":", "： ", " ", "："])
    extras = [f"运单号{kv}{{TRACK}}", f"订单号{kv}{{ORDER}}", f"物品{kv}{{ITEM}}", f"件数{kv}{{NUM}}", f"重量{kv}{{NUM}}.2kg",
              f"备注{kv}{r.choice(['{WORD}', '放门卫', '易碎轻放', '送货前电话联系'])}", f"邮编{kv}{{ZIP}}", "{COURIER}标快",
              f"商品{kv}{{BRAND}}", f"货号{kv}{{SKU}}"]
    recv = [f"{name_l}{kv}{{P1}}", f"{tel_l}{kv}{{T1}}", f"{addr_l}{kv}{{A1}}"]
    if style == "region":
        recv = [f"{name_l}{kv}{{P1}}", f"{tel_l}{kv}{{T1}}", f"所在地区{kv}{{AR1}}", f"详细地址{kv}{{AD1}}"]
    if style == "masked":
        recv = [f"{name_l}{kv}{{MNAME}}", f"{tel_l}{kv}{{MPHONE}}", f"{addr_l}{kv}{{A1}}"]
    if style == "compact":
        c.emit(c.pick("waybill-compact", ["{P1}，{T1}，{A1}", "{P1} {T1} {A1}", "收：{P1} {T1} {A1}", "{A1} {P1} {T1}", "{A1}，{P1}收，{T1}",
                         "{P1}/{T1}/{A1}", "收件信息：{P1}，{T1}，{A1}",
                         "{P1}{T1}{A1}", "{A1}{P1}{T1}", "{P1}{T1}，{A1}", "{P1} {T1}\n{A1}"]))
        if r.random() < 0.4:
            c.emit("\n" + r.choice(extras))
        return
    lines = list(recv)
    if style == "both":
        send = [f"{r.choice(['寄件人', '发件人', '寄方'])}{kv}{{P2}}", f"{r.choice(['寄件电话', '发件人电话', '电话'])}{kv}{{T2}}"]
        if r.random() < 0.6:
            send.append(f"{r.choice(['寄件地址', '发件地址', '地址'])}{kv}{{A2}}")
        lines = (send + lines) if r.random() < 0.5 else (lines + send)
    lines += r.sample(extras, r.randint(0, 3))
    sep = "\n" if style in ("multiline", "both", "masked", "region") else r.choice([" | ", "／", "；", "，", "  ", " ｜ "])
    c.emit(sep.join(lines))


CHAT_ROLES_ZH = [("买家：", "客服："), ("顾客：", "客服{NICK}："), ("用户：", "在线客服："), ("[买家] ", "[客服] "), ("我：", "商家："),
                 ("买家 {TIME}\n", "客服 {TIME}\n"), ("会员：", "售后客服：")]
CHAT_ROLES_EN = [("Buyer: ", "Agent: "), ("Customer: ", "Support: "), ("[buyer] ", "[agent] "), ("Me: ", "Seller: ")]
BUYER_ZH = ["你好，我是{P1}，订单{ORDER}怎么还没发货？", "在吗？我想改一下收货地址", "地址改成{A1}，收件人{P1}，电话{T1}",
            "麻烦转告{SX}，快递到了给我打电话", "我这周在{CITY}出差，东西先别发", "收件人换成我同事{P2}，她的手机是{T2}",
            "这个{BRAND}有现货吗？", "上次买的{PBRAND}挺好用的，再来一单", "能不能送到{A1}？那边有人代收",
            "我叫{P1}，手机尾号{TAIL}", "发票抬头写{COMPANY}", "寄到我公司吧：{A1}，找{P2}签收", "东西放{COMM}门卫就行",
            "我邮箱是{E1}，电子发票发这里", "我是{P1}的家人，帮她查一下物流", "收货人{P1}，手机{T1}，地址：{A1}",
            "下单时地址填错了，正确的是{A1}", "你们{STORE}发货太慢了", "我住{ROOMONLY}，放门口就可以", "麻烦找一下{P2}经理处理",
            "快递员说{FAC}压件了", "我在{PLACE}旅游，回去再收", "{WORD}"]
AGENT_ZH = ["{S1}您好，{WORDA}", "好的{P1}{H1}，已为您修改为{A1}，请核对", "亲，您的订单已由{COURIER}发出，运单号{TRACK}",
            "这边帮您登记了，{JOB}会在24小时内联系您", "请提供一下收件人姓名、电话和地址", "核实一下，收货人是{P1}，电话{T1}，对吗？",
            "亲亲，{STORE}的商品都是正品哦", "{S1}，已经帮您催促{FAC}了", "已备注：送货前联系{P1}（{T1}）",
            "好的，我已转告{SX}，稍后回复您", "您好，我是{JOB}{NICK}，很抱歉给您带来不便", "已为您发送到邮箱{E1}",
            "您的退货地址是{A2}，收件人{P3}，电话{T3}", "{P1}{H1}您好，您购买的{ITEM}预计{DATE}送达", "亲，{SKU}这款已经补货了"]
BUYER_EN = ["Hi, this is {P1}. Where is my order {ORDER}?", "Please change the address to {A1}.",
            "Ship it to {A1}, attention {P2}, phone {T1}.", "I'm in {CITY} this week, please hold the parcel.",
            "Is the {BRAND} in stock?", "My email is {E1}, send the invoice there.", "Receiver: {P1}, tel {T1}",
            "Can you ask {SX} to call me back?", "Leave it at the {FAC}, thanks."]
AGENT_EN = ["Hello {S1}, happy to help.", "Thanks {P1}, I've updated the address to {A1}.",
            "Your order shipped with tracking number {TRACK}.", "Our {JOB} will contact you within 24 hours.",
            "Just to confirm: recipient {G1}{P1}, phone {T1}?", "Please return the item to {A2}, attn. {P3}.",
            "Sorry for the delay, {G1}{P1}. We've escalated it."]
CHAT_NEG_ZH = ["在吗？{BRAND}还有货吗", "{WORDA}，请稍等", "订单{ORDER}已发货，运单号{TRACK}", "{SX}说今天能发吗",
               "亲，{STORE}周年庆，{PBRAND}买一送一", "我在{CITY}，发{COURIER}几天到？", "快递到{FAC}了，取件码{CODE}",
               "收件人写{MNAME}就行", "请问{JOB}什么时候上门", "{PLACE}能发货吗？", "SKU {SKU}有没有黑色"]
CHAT_NEG_EN = ["Is the {BRAND} still available?", "Order {ORDER} shipped, tracking {TRACK}.", "I'm in {CITY}; how long to ship?",
               "Please ask your {JOB} to check SKU {SKU}.", "Thanks {SX}!"]


def chat(c: Ctx, neg_only: bool) -> None:
    r, en = c.g.r, c.lang == "en"
    roles = r.choice(CHAT_ROLES_EN if en else CHAT_ROLES_ZH)
    turns = r.randint(2, 6)
    lines = []
    for k in range(turns):
        buyer = (k % 2 == 0) if r.random() < 0.85 else (r.random() < 0.5)
        if neg_only:
            body = c.pick("chat-neg-en" if en else "chat-neg", CHAT_NEG_EN if en else CHAT_NEG_ZH)
        elif buyer:
            body = c.pick("chat-buyer-en" if en else "chat-buyer", BUYER_EN if en else BUYER_ZH)
        else:
            body = c.pick("chat-agent-en" if en else "chat-agent", AGENT_EN if en else AGENT_ZH)
        lines.append(roles[0 if buyer else 1] + body)
    if r.random() < 0.5:
        who = r.randint(0, 1)
        closing = ([["Thanks!", "OK, bye."], ["Anything else I can help with?", "Have a nice day."]] if en else
                   [["好的，谢谢", "嗯嗯", "收到"], ["还有其他问题吗？", "感谢您的耐心等待", "祝您生活愉快"]])[who]
        lines.append(roles[who] + r.choice(closing))
    c.emit("\n".join(lines))


def callcenter(c: Ctx, neg_only: bool) -> None:
    en = c.lang == "en"
    if neg_only:
        c.emit(c.pick("cc-neg-en" if en else "cc-neg", [
            "Caller asked about {BRAND} warranty; no personal data taken. Ticket {WO}.",
            "{SX} called about order {ORDER}, transferred to {JOB}.",
        ] if en else [
            "来电咨询{BRAND}保修政策，已解答，工单号{WO}", "{SX}来电催单，订单号{ORDER}，已转{JOB}处理",
            "客户在{CITY}，询问{COURIER}是否停运，已告知", "回访：{SX}，{WORDN}", "客户反映{FAC}长时间未更新，已上报",
            "投诉{STORE}虚假发货，订单{ORDER}，已转{JOB}", "客户称收件人{MNAME}（{MPHONE}）未收到货",
        ]))
        return
    if en:
        c.emit(c.pick("cc-en", [
            "Customer {P1} called: {ITEM} arrived damaged. Callback {T1}. Escalated to {JOB}.",
            "Follow-up call with {G1}{P1} on {DATE}; satisfied with the refund.",
            "Ticket {WO}\nCustomer: {P1}\nPhone: {T1}\nAddress: {A1}\nIssue: late delivery",
            "{P1} ({T1}) chased order {ORDER} for the third time; ships to {A1}.",
            "Caller {P2}, on behalf of {P1}, asked to redirect the parcel to {A1}.",
        ]))
        return
    t = c.pick("cc", [
        "客户{P1}来电称{ITEM}破损，要求退货。联系电话：{T1}。已登记，待{JOB}回访。",
        "{DATE} {TIME} 回访客户{P1}{H1}，客户表示已收到货，满意。",
        "催单：客户{P1}（{T1}）第{NUM}次来电催促发货，订单号{ORDER}，地址{A1}。",
        "工单备注：{S1}反馈快递员未送货上门，要求送到{A1}。",
        "来电人：{P2}（客户{P1}的{REL}），代为查询理赔进度，回拨电话{T2}。",
        "客户称本人在{CITY}，无法签收，要求改派至{A1}，收件人改为{P2}。",
        "投诉：{P1}投诉{FAC}延误三天，已安抚，补偿{AMT}元优惠券。",
        "工单号：{WO}\n类型：催单\n客户姓名：{P1}\n联系电话：{T1}\n收货地址：{A1}\n处理人：{P3}",
        "客户{P1}来电，要求将地址由{A1}改为{A2}，已修改。",
        "回访记录｜客户：{P1}｜电话：{T1}｜结果：{WORDN}｜回访人：{P3}",
        "{P1}来电，称快递放在{A1}门口丢失，要求赔偿。已联系{COURIER}站点{SX}核实。",
        "客户{P1}反映{PBRAND}质量问题，要求换货，新地址{A1}，电话{T1}。",
        "催件：{S1}（{T1}）称{DATE}前必须送达，地址{A1}，已加急。",
        "来电客户：{P1}\n身份证号：{I1}\n诉求：修改实名信息\n处理结果：已转{JOB}",
        "客户{P1}（会员号{EMP}）来电咨询退款，退款已原路返回。",
    ])
    c.emit(t)


def form(c: Ctx, neg_only: bool) -> None:
    r, en = c.g.r, c.lang == "en"
    if neg_only:
        c.emit(c.pick("form-neg", [
            '{"order_id": "{ORDER}", "sku": "{SKU}", "item": "{BRAND}", "qty": {NUM}}',
            '{"tracking_no": "{TRACK}", "status": "in_transit", "hub": "{FAC}"}',
            "订单号：{ORDER}\n商品：{BRAND}\n货号：{SKU}\n店铺：{STORE}",
            '{"receiver": "{MNAME}", "mobile": "{MPHONE}", "city": "{CITY}"}',
            "order_id={ORDER}&sku={SKU}&store={STORE}",
        ]))
        return
    style = r.choices(["json", "json_nested", "kv", "csv", "query"], [35, 15, 25, 12, 13])[0]
    c.g.templates[f"form-{style}"] += 1
    name_k = r.choice(["name", "receiver_name", "receiverName", "consignee", "contact", "buyerName", "customer_name"]
                      + ([] if en else ["姓名", "联系人", "收货人"]))
    addr_k = r.choice(["addr", "address", "receiverAddress", "shipping_address", "detail_address"] + ([] if en else ["地址", "收货地址"]))
    tel_k = r.choice(["phone", "mobile", "tel", "receiverMobile"] + ([] if en else ["手机", "电话"]))
    extra = r.sample([("order_id", "{ORDER}"), ("email", "{E1}"), ("sku", "{SKU}"), ("remark", "{ITEM}"), ("tracking_no", "{TRACK}"),
                      ("zip", "{ZIP}"), ("id_card", "{I1}"), ("store", "{STORE}")], r.randint(0, 3))
    pairs = [(name_k, "{P1}"), (tel_k, "{T1}"), (addr_k, "{A1}"), *extra]
    if style in ("json", "json_nested") and r.random() < 0.2:
        pairs = [(name_k, "{P1}"), (tel_k, "{T1}"), ("region", "{AR1}"), ("detail", "{AD1}"), *extra]
    r.shuffle(pairs) if r.random() < 0.3 else None
    if style == "json":
        sep = r.choice([", ", ",", ",\n  "])
        body = sep.join(f'"{k}": "{v}"' if v != "{NUM}" else f'"{k}": {v}' for k, v in pairs)
        c.emit("{" + ("\n  " if sep.endswith("  ") else "") + body + ("\n" if sep.endswith("  ") else "") + "}")
    elif style == "json_nested":
        inner = ", ".join(f'"{k}": "{v}"' for k, v in pairs)
        outer = r.choice(["receiver", "consignee", "shipping", "buyer"])
        c.emit('{"order_id": "{ORDER}", "' + outer + '": {' + inner + '}, "status": "' + r.choice(["PAID", "SHIPPED", "WAIT_SELLER_SEND"]) + '"}')
    elif style == "kv":
        kvs = ["姓名：{P1}", "性别：{SEX}", "手机：{T1}", "地址：{A1}", "邮箱：{E1}", "身份证号：{I1}"] if not en else \
            ["Name: {P1}", "Phone: {T1}", "Address: {A1}", "Email: {E1}"]
        if not en:
            kvs[0] = r.choice(["姓名：{P1}", "联系人：{P1}", "申请人：{P1}", "客户姓名：{P1}"])
            kvs[3] = r.choice(["地址：{A1}", "联系地址：{A1}", "通讯地址：{A1}", "现住址：{A1}"])
        chosen = [kvs[0], *r.sample(kvs[1:], r.randint(2, len(kvs) - 1))]
        c.emit(r.choice(["\n", "；", "  ", " | "]).join(chosen))
    elif style == "csv":
        keys = [k for k, _ in pairs]
        rows = [",".join(v for _, v in pairs)]
        if r.random() < 0.5:  # a second row with other people
            rows.append(",".join({"{P1}": "{P2}", "{T1}": "{T2}", "{A1}": "{A2}", "{E1}": "{E2}", "{I1}": "{I2}",
                                  "{AR1}": "{AR2}", "{AD1}": "{AD2}"}.get(v, v) for _, v in pairs))
        c.emit(",".join(keys) + "\n" + "\n".join(rows))
    else:
        c.emit("&".join(f"{k}={v}" for k, v in pairs))


def delivery(c: Ctx, neg_only: bool) -> None:
    en = c.lang == "en"
    if neg_only:
        c.emit(c.pick("delivery-neg-en" if en else "delivery-neg", [
            "Please leave it at the {FAC}.", "Leave it by the door of {ROOMONLY}, thanks.", "I'm in {CITY} until Friday, please hold it.",
        ] if en else [
            "快递放在{FAC}就行", "放{COMM}门卫室，谢谢", "放{ROOMONLY}门口", "我在{CITY}出差，下周再送", "{WORD}，放门口就行",
            "送到{PLACE}那边的{STORE}", "放{FAC}，取件码发我", "家里没人，交给{SX}代收",
        ]))
        return
    if en:
        c.emit(c.pick("delivery-en", [
            "Please leave the parcel at {A1}.", "Deliver to {P1} at {A1}; call {T1} on arrival.",
            "If nobody answers, leave it with {P2} at {A1}.", "New delivery address: {A1} (attn. {G1}{P1}).",
        ]))
        return
    c.emit(c.pick("delivery", [
        "快递放在{A1}门口就行，谢谢", "送到{A1}，到了打{T1}", "请送到{A1}，{P1}收", "改送{A1}，找前台{P2}",
        "{P1}，你的快递放在{A1}的快递柜了，取件码{CODE}", "放在{A1}门口，不用上楼", "送货地址：{A1}，联系人{P1}，电话{T1}",
        "麻烦送到{A1}，工作日白天家里有人", "我不在家，放{A1}隔壁邻居{P2}那里", "配送备注：{A1}，{S1}，{T1}，放门口",
        "帮我放到{A1}，我{REL}{P2}会去拿", "地址是{A1}，到了给{P1}打电话", "{P1}的包裹请送至{A1}",
        "放{FAC}也行，实在不行送{A1}",
    ]))


def insurance(c: Ctx, neg_only: bool) -> None:
    en = c.lang == "en"
    if neg_only:
        c.emit(c.pick("ins-neg", [
            "保单号{POLICY}，{ACC}，已结案，赔付金额{AMT}元", "{SX}来电询问{ACC}是否在保障范围，已解答",
            "出险地点：{CITY}，查勘员已到场", "Policy {POLICY}: claim closed, {AMT} paid.", "理赔材料请寄至{FAC}，备注保单号{POLICY}",
        ] if not en else ["Policy {POLICY}: claim closed, {AMT} paid.", "{SX} asked whether a {ACC} is covered."]))
        return
    if en:
        c.emit(c.pick("ins-en", [
            "Claim note: insured {P1} (ID {I1}) reported a {ACC} at {A1} on {DATE}.",
            "Policyholder: {P1}\nBeneficiary: {P2} ({REL})\nPolicy: {POLICY}\nContact: {T1}",
            "Adjuster {P3} inspected the loss at {A1}; claimant {P1} reachable at {E1}.",
        ]))
        return
    c.emit(c.pick("ins", [
        "报案人：{P1}，被保险人：{P2}，身份证号：{I1}，出险时间：{DATE}，出险地点：{A1}，事故经过：{ACC}。",
        "理赔备注：被保险人{P1}于{DATE}在{A1}附近发生{ACC}，已报警，联系电话{T1}。",
        "车险报案：{P1}驾驶车辆在{A1}与{P2}车辆发生碰撞，双方无人受伤，{JOB}已派单。",
        "医疗险理赔：患者{P1}，身份证{I1}，就诊医院：{HOSP}，住院{NUM}天，申请金额{AMT}元。",
        "保单号{POLICY}，投保人{P1}，受益人{P2}（关系：{REL}），通讯地址{A1}。",
        "查勘记录：{DATE}查勘员{P3}到达{A1}，与被保险人{P1}核实损失情况。",
        "家财险报案：{S1}（{T1}）称位于{A1}的房屋发生{ACC}，损失约{AMT}元。",
        "被保险人：{P1}\n证件号码：{I1}\n联系电话：{T1}\n联系地址：{A1}\n出险原因：{ACC}",
        "理赔款已支付至被保险人{P1}名下账户（{BANK}尾号{TAIL}），请{JOB}回访。",
    ]))


def bank(c: Ctx, neg_only: bool) -> None:
    en = c.lang == "en"
    if neg_only:
        c.emit(c.pick("bank-neg", [
            "支付宝-{STORE}-消费{AMT}元", "<<黄金/w>>积存 买入{NUM}克", "{BANK}{CITY}分行 ATM取款 {AMT}", "转账备注：房租{MONTH}",
            "财付通-{STORE}-{AMT}", "代扣 {COMPANY} 水电费 {AMT}", "退款：订单{ORDER}，{AMT}元",
        ] if not en else ["POS purchase {STORE} {AMT}", "ATM withdrawal {CITY} {AMT}", "Refund for order {ORDER}"]))
        return
    if en:
        c.emit(c.pick("bank-en", [
            "Transfer to {P1} - rent {MONTH}", "Payee: {P1}; Ref: invoice {ORDER}; amount {AMT}",
            "Incoming wire from {P1}, memo: tuition", "Salary {MONTH} {P1}",
        ]))
        return
    c.emit(c.pick("bank", [
        "转账备注：{P1}房租{MONTH}", "{P1}还款", "代发工资-{P1}", "收款人：{P1}  开户行：{BANK}{CITY}分行  金额：{AMT}",
        "付款方：{COMPANY}  摘要：货款  对方户名：{P1}", "微信转账 {P1} {AMT}元 备注：{ITEM}钱", "{P1}给{P2}的生日红包",
        "对方户名：{P1}\n对方账号：尾号{TAIL}\n附言：借款", "跨行转账 {P1} {AMT}", "{P1}转入 {AMT} 附言：{MONTH}生活费",
        "收款方：{P1}（{T1}）", "支付宝转账-{P1}-{ITEM}", "{P1}代{P2}还信用卡", "报销款-{P1}-差旅费{CITY}",
        "汇款人：{P1}，地址：{A1}，附言：货款",
    ]))


def hr(c: Ctx, neg_only: bool) -> None:
    r, en = c.g.r, c.lang == "en"
    if neg_only:
        c.emit(c.pick("hr-neg", [
            "岗位：{JOB}\n部门：{DEPT}\n工作地点：{CITY}\n编制：{NUM}人", "{DEPT}招聘{JOB}{NUM}名，工作地点{CITY}",
            "{SX}本周调休，{DEPT}事务由{JOB}代理", "Opening: {JOB}, {DEPT}, based in {CITY}",
        ] if not en else ["Opening: {JOB}, {DEPT}, based in {CITY}", "{SX} is on leave this week."]))
        return
    if en:
        c.emit(c.pick("hr-en", [
            "Employee: {P1}, Dept: {DEPT}, Title: {JOB}, Email: {E1}, Home address: {A1}",
            "Name,Dept,Phone\n{P1},{DEPT},{T1}\n{P2},{DEPT},{T2}",
            "{P1} joined {DEPT} on {DATE}. Emergency contact: {P2} ({REL}), {T2}.",
        ]))
        return
    style = r.random()
    if style < 0.45:
        fields = ["工号：{EMP}", "部门：{DEPT}", "职位：{JOB}", "身份证号：{I1}", "手机：{T1}", "邮箱：{E1}",
                  r.choice(["现住址：{A1}", "户籍地址：{A1}", "家庭住址：{A1}"]), "紧急联系人：{P2}（{REL}）{T2}", "入职日期：{DATE}"]
        c.g.templates["hr-form"] += 1
        c.emit("\n".join([r.choice(["姓名：{P1}", "员工姓名：{P1}"]), *r.sample(fields, r.randint(3, 6))]))
    elif style < 0.6:
        c.g.templates["hr-csv"] += 1
        c.emit("姓名,性别,部门,手机,住址\n{P1},{SEX},{DEPT},{T1},{A1}\n{P2},{SEX2},{DEPT},{T2},{A2}")
    else:
        c.emit(c.pick("hr", [
            "{P1}于{DATE}入职{DEPT}，担任{JOB}，户籍地址{A1}。", "离职交接：{P1}的工作由{P2}接手，请{SX}协助。",
            "{P1}申请调岗至{CITY}分公司，直属领导{P3}已审批。", "员工{P1}（工号{EMP}）变更住址为{A1}，联系电话{T1}。",
            "新员工{P1}报到，身份证{I1}，由{P2}带教。", "{DEPT}{P1}、{P2}、{P3}参加{DATE}培训。",
        ]))


GENRES: dict[str, Callable[[Ctx, bool], None]] = {
    "waybill": waybill, "cs_chat": chat, "callcenter_note": callcenter, "form_record": form,
    "delivery_note": delivery, "insurance_claim": insurance, "bank_remark": bank, "hr_record": hr,
}
GENRE_WEIGHTS = [18, 18, 14, 14, 10, 9, 9, 8]
LABELED = ("PERSON", "ADDRESS", "PHONE", "EMAIL", "CN_RESIDENT_ID")


def _consistent(doc: Doc) -> bool:
    """Every occurrence of a labeled value is labeled; no negative contains a labeled value; values do not nest."""
    text = doc.text
    at = {(s["start"], s["end"]) for s in doc.spans}
    for sp in doc.spans:
        v = sp["value"]
        i = text.find(v)
        while i >= 0:
            if (i, i + len(v)) not in at:
                return False
            i = text.find(v, i + 1)
    return True


def make_record(g: Gen, seed: int, index: int) -> dict[str, Any]:
    r = g.r
    genre = r.choices(list(GENRES), GENRE_WEIGHTS)[0]
    lang = "en" if r.random() < 0.15 else "zh"
    neg_only = r.random() < 0.09
    for _ in range(50):
        kinds_before, templates_before = g.kinds.copy(), g.templates.copy()
        c = Ctx(g, lang)
        GENRES[genre](c, neg_only)
        if _consistent(c.doc):
            break
        g.kinds, g.templates = kinds_before, templates_before
    else:
        raise RuntimeError("could not draw a consistent record")
    doc = c.doc
    return {"id": f"ptext-s{seed}-{index:06d}", "genre": genre, "lang": lang, "text": doc.text,
            "spans": doc.spans, "negatives": doc.negs}


def generate_records(seed: int, n: int, stats: Counter[str] | None = None) -> list[dict[str, Any]]:
    g = Gen(seed)
    out = [make_record(g, seed, i) for i in range(n)]
    if stats is not None:
        stats.update(g.kinds)
        stats.update({"template:" + k: v for k, v in g.templates.items()})
    return out


def print_stats(records: list[dict[str, Any]], kinds: Counter[str]) -> None:
    def show(title: str, counter: Counter[str]) -> None:
        print(f"{title}: " + ", ".join(f"{k}={v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))), file=sys.stderr)

    print(f"records={len(records)} spans={sum(len(r['spans']) for r in records)} "
          f"negatives={sum(len(r['negatives']) for r in records)} "
          f"no_pi_records={sum(1 for r in records if not r['spans'])} "
          f"records_with_negatives={sum(1 for r in records if r['negatives'])}", file=sys.stderr)
    show("genre", Counter(r["genre"] for r in records))
    show("lang", Counter(r["lang"] for r in records))
    show("type", Counter(s["type"] for r in records for s in r["spans"]))
    show("name_kind", Counter({k[5:]: v for k, v in kinds.items() if k.startswith("name:")}))
    show("address_kind", Counter({k[5:]: v for k, v in kinds.items() if k.startswith("addr:")}))
    show("negative_kind", Counter(n["kind"] for r in records for n in r["negatives"]))
    tpl = Counter({k[9:]: v for k, v in kinds.items() if k.startswith("template:")})
    top = tpl.most_common(1)[0] if tpl else ("-", 0)
    print(f"templates: {len(tpl)} distinct; most used {top[0]} in {top[1]} records ({100 * top[1] / max(1, len(records)):.1f}%)",
          file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--out", required=True, help="output JSON Lines file, or - for stdout")
    ap.add_argument("--stats", action="store_true", help="print counts to stderr")
    args = ap.parse_args()
    kinds: Counter[str] = Counter()
    records = generate_records(args.seed, args.records, kinds)
    lines = "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)
    if args.out == "-":
        sys.stdout.write(lines)
    else:
        with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(lines)
    if args.stats:
        print_stats(records, kinds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
