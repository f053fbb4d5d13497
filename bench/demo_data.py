"""Generate the bundled demo record repository: svcnotes.toml and records/.

A deterministic (seeded) data set for 苏州精工金属制品有限公司 客户服务部, a precision metal parts
maker in 华东: ~25 customers, ~150 complaints (2025-12 .. 2026-11), ~250 callbacks and ~60
service notes. "Today" for the demo is 2026-11-23.

    python bench/demo_data.py            # rewrite records/ and svcnotes.toml
    python bench/demo_data.py --root DIR # write into another directory

Only the standard library and PyYAML (for quoting decisions) are used.
"""

from __future__ import annotations

import argparse
import calendar
import json
import random
import shutil
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import yaml

from svcnotes.model.config import DEFAULT_CATEGORIES, DEFAULT_DEPARTMENTS

SEED = 20261123
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0)
START = date(2025, 12, 1)
ORG = "苏州精工金属制品有限公司 客户服务部"
COMPANY = "苏州精工金属制品有限公司"

R = random.Random(SEED)
Q = random.Random(SEED + 1)  # quality reports and monthly volumes: their own stream, so R's data stays as it was

# --------------------------------------------------------------------------------------------
# Calendar (国务院办公厅 2026 年部分节假日安排)
# --------------------------------------------------------------------------------------------


def _span(a: str, b: str) -> list[date]:
    d0, d1 = date.fromisoformat(a), date.fromisoformat(b)
    return [d0 + timedelta(days=i) for i in range((d1 - d0).days + 1)]


HOLIDAY_GROUPS = [
    ("元旦", _span("2026-01-01", "2026-01-03")),
    ("春节", _span("2026-02-15", "2026-02-23")),
    ("清明节", _span("2026-04-04", "2026-04-06")),
    ("劳动节", _span("2026-05-01", "2026-05-05")),
    ("端午节", _span("2026-06-19", "2026-06-21")),
    ("中秋节", _span("2026-09-25", "2026-09-27")),
    ("国庆节", _span("2026-10-01", "2026-10-07")),
]
HOLIDAYS = {d for _, days in HOLIDAY_GROUPS for d in days}
EXTRA_WORKING = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
                 date(2026, 9, 20), date(2026, 10, 10)]


def is_workday(d: date) -> bool:
    return d in EXTRA_WORKING or (d.weekday() < 5 and d not in HOLIDAYS)


def workday_on_or_after(d: date) -> date:
    while not is_workday(d):
        d += timedelta(days=1)
    return d


def at(d: date, lo: float = 8.5, hi: float = 17.5) -> datetime:
    """A datetime on day d between lo and hi o'clock, minutes rounded to 5."""
    minutes = R.randint(int(lo * 12), int(hi * 12)) * 5
    return datetime(d.year, d.month, d.day) + timedelta(minutes=minutes)


def later(t: datetime, days_lo: int, days_hi: int, lo: float = 8.5, hi: float = 17.5, workday: bool = True) -> datetime:
    """A time days_lo..days_hi days after t (on a working day), never before t."""
    d = t.date() + timedelta(days=R.randint(days_lo, days_hi))
    if workday:
        d = workday_on_or_after(d)
    out = at(d, lo, hi)
    if out <= t:
        out = t + timedelta(minutes=R.choice([30, 45, 60, 90, 120]))
    return out


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def md(d: date | datetime) -> str:
    return f"{d.month}月{d.day}日"


def pick(seq):
    return R.choice(seq)


# --------------------------------------------------------------------------------------------
# Staff directory
# --------------------------------------------------------------------------------------------

STAFF = [
    # id, name, department, roles, title
    ("zhang.wei", "张伟", "service", ["rep"], "客服主管"),
    ("wang.fang", "王芳", "service", ["rep"], "客服专员"),
    ("liu.yang", "刘洋", "service", ["rep"], "客服专员"),
    ("chen.jing", "陈静", "sales", ["rep"], "业务代表"),
    ("zhao.lei", "赵磊", "sales", ["rep"], "业务代表"),
    ("sun.li", "孙丽", "sales", ["sales_manager"], "业务经理"),
    ("zhou.qiang", "周强", "sales", ["sales_manager"], "业务经理"),
    ("li.gang", "李刚", "gm_office", ["deputy_gm"], "副总经理"),
    ("wu.min", "吴敏", "gm_office", ["gm"], "总经理"),
    ("ma.lin", "马琳", "gm_office", ["gm_office"], "生产管理组 客诉登记"),
    ("guo.hong", "郭红", "gm_office", ["gm_office"], "生产管理组 组长"),
    ("huang.hai", "黄海", "quality", ["quality"], "质量工程师"),
    ("xu.jun", "徐军", "quality", ["quality"], "质量管理部 经理"),
    ("he.tao", "何涛", "manufacturing", [], "制造部 工艺主管"),
    ("lin.xiao", "林晓", "logistics", [], "物流部 主管"),
]
NAME = {s[0]: s[1] for s in STAFF}
REPS = ["zhang.wei", "wang.fang", "liu.yang"]
SALES_REPS = ["chen.jing", "zhao.lei"]
SALES_MANAGERS = ["sun.li", "zhou.qiang"]
QUALITY = ["huang.hai", "xu.jun"]
GM_OFFICE = ["ma.lin", "guo.hong"]
APPROVER = {"sales_manager": SALES_MANAGERS, "deputy_gm": ["li.gang"], "gm": ["wu.min"]}

# The demo uses svcnotes' own default departments and categories (one source of truth).
DEPARTMENTS = dict(DEFAULT_DEPARTMENTS)
CATEGORIES = dict(DEFAULT_CATEGORIES)
FORBIDDEN = ["我们不管", "跟我们没关系", "没办法解决", "随便", "不清楚", "不知道", "这个问题我不会处理",
             "这个问题我们公司不能给您解决", "您自己不会解决吗", "这不归我管", "你去找别人"]

# --------------------------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------------------------

PRODUCTS = [
    # name, part number, unit price (CNY)
    ("电池包安装支架", "JG-BR-2031", Decimal("8.6")),
    ("电机端盖", "JG-EC-1508", Decimal("23.5")),
    ("精密轴套", "JG-SL-1120", Decimal("3.2")),
    ("铝合金压铸壳体", "JG-HS-3302", Decimal("46")),
    ("钣金机箱", "JG-CB-4410", Decimal("128")),
    ("不锈钢法兰", "JG-FL-0860", Decimal("35")),
    ("铜排连接片", "JG-CU-2205", Decimal("6.8")),
    ("散热器翅片组", "JG-HT-1701", Decimal("12.4")),
    ("冲压加强板", "JG-RP-2310", Decimal("5.5")),
    ("导轨滑块座", "JG-RS-1903", Decimal("18")),
    ("紧固卡箍", "JG-CL-0512", Decimal("1.8")),
    ("接地端子", "JG-TM-0318", Decimal("0.9")),
    ("门板铰链", "JG-HG-2607", Decimal("4.6")),
    ("导靴安装支架", "JG-GS-3105", Decimal("27")),
    ("传感器安装座", "JG-SM-1402", Decimal("9.8")),
    ("不锈钢管接头", "JG-PJ-0725", Decimal("14.5")),
]
PRODUCT = {p[1]: p for p in PRODUCTS}

CONTACT_POOL = """王建国 wang.jianguo|李秀英 li.xiuying|张志强 zhang.zhiqiang|刘海涛 liu.haitao|陈晓东 chen.xiaodong|
杨丽华 yang.lihua|赵国庆 zhao.guoqing|黄文杰 huang.wenjie|周美玲 zhou.meiling|吴俊 wu.jun|徐立新 xu.lixin|孙浩 sun.hao|
胡建华 hu.jianhua|朱红梅 zhu.hongmei|高峰 gao.feng|林志明 lin.zhiming|何丽 he.li|郭振宇 guo.zhenyu|马骏 ma.jun|
罗晓燕 luo.xiaoyan|梁栋 liang.dong|宋佳 song.jia|郑伟 zheng.wei|谢婷 xie.ting|韩磊 han.lei|唐敏 tang.min|冯涛 feng.tao|
于洋 yu.yang|董文 dong.wen|萧雅 xiao.ya|程刚 cheng.gang|曹颖 cao.ying|袁野 yuan.ye|邓超 deng.chao|许静 xu.jing|
傅强 fu.qiang|沈洁 shen.jie|曾凡 zeng.fan|彭亮 peng.liang|吕娜 lv.na|苏明 su.ming|卢芳 lu.fang|蒋勇 jiang.yong|
蔡琳 cai.lin|贾鹏 jia.peng|丁磊 ding.lei|魏华 wei.hua|薛刚 xue.gang|叶青 ye.qing|阎军 yan.jun|余波 yu.bo|潘婷 pan.ting|
杜鹏 du.peng|戴明 dai.ming|夏雨 xia.yu|钟磊 zhong.lei|汪洋 wang.yang|田甜 tian.tian|任杰 ren.jie|姜华 jiang.hua|
范伟 fan.wei|方圆 fang.yuan|石磊 shi.lei|姚明远 yao.mingyuan|谭静 tan.jing|廖凯 liao.kai|邹敏 zou.min|熊伟 xiong.wei|
金鑫 jin.xin|陆敏 lu.min|郝帅 hao.shuai|孔亮 kong.liang|白雪 bai.xue|崔浩 cui.hao|康宁 kang.ning"""
CONTACTS = [tuple(x.strip().split()) for x in CONTACT_POOL.replace("\n", "").split("|")]
CONTACT_ROLES = ["采购经理", "质量经理", "SQE 供应商质量工程师", "来料检验主管", "采购专员", "生产经理", "仓库主管",
                 "财务对账专员", "技术工程师", "项目经理"]

# slug, name, short, industry, region, address, tier, owner, since, agreement (start, end), confidentiality, tags
CUSTOMERS = [
    ("hengda-auto", "恒达汽车零部件有限公司", "恒达汽车", "汽车零部件", "华东", "浙江省宁波市北仑区长江路 1188 号",
     "vip", "sun.li", "2016-04-12", ("2025-01-01", "2027-12-31"), "secret", ["汽车", "IATF 16949", "8D报告"]),
    ("xinrui-ev", "芯锐新能源科技（常州）有限公司", "芯锐新能源", "新能源电池", "华东", "江苏省常州市武进区新能源大道 66 号",
     "vip", "chen.jing", "2021-03-08", ("2024-07-01", "2027-06-30"), "secret", ["新能源", "电池包", "8D报告"]),
    ("tongchuang-telecom", "同创通信设备有限公司", "同创通信", "通信设备", "华南", "广东省深圳市宝安区福海街道创新路 9 号",
     "vip", "zhou.qiang", "2018-09-20", ("2025-04-01", "2027-03-31"), "confidential", ["通信", "机箱", "出口"]),
    ("meirui-appliance", "美瑞电器（合肥）有限公司", "美瑞电器", "家电", "华东", "安徽省合肥市经开区紫云路 215 号",
     "key", "zhao.lei", "2017-06-01", ("2025-07-01", "2026-12-31"), "confidential", ["家电", "大批量"]),
    ("jiahe-medical", "嘉禾医疗器械（苏州）有限公司", "嘉禾医疗", "医疗器械", "华东", "江苏省苏州市工业园区星湖街 328 号",
     "key", "chen.jing", "2019-11-15", ("2025-01-01", "2026-12-31"), "secret", ["医疗", "洁净包装", "ISO 13485"]),
    ("huaxin-elevator", "华信电梯部件有限公司", "华信电梯", "电梯", "华东", "上海市松江区九亭镇涞寅路 500 号",
     "key", "sun.li", "2015-08-03", ("2024-09-01", "2026-08-31"), "confidential", ["电梯", "安全件"]),
    ("zhongheng-machinery", "中衡工程机械有限公司", "中衡机械", "工程机械", "华中", "湖南省长沙市经开区星沙大道 77 号",
     "key", "zhou.qiang", "2018-02-26", ("2025-03-01", "2027-02-28"), "confidential", ["工程机械", "焊接件"]),
    ("beifang-rail", "北方轨道交通装备有限公司", "北方轨交", "轨道交通", "华北", "天津市滨海新区海洋高新区 12 号",
     "key", "zhou.qiang", "2020-05-18", ("2025-06-01", "2027-05-31"), "secret", ["轨道交通", "首件鉴定"]),
    ("tianyu-robot", "天宇智能装备（杭州）有限公司", "天宇智能", "工业机器人", "华东", "浙江省杭州市滨江区江陵路 2020 号",
     "key", "chen.jing", "2022-01-10", ("2025-01-10", "2027-01-09"), "confidential", ["机器人", "精密加工"]),
    ("boyuan-power", "博远电力设备有限公司", "博远电力", "电力设备", "华中", "湖北省武汉市东湖高新区光谷三路 18 号",
     "key", "zhao.lei", "2019-07-07", ("2024-07-01", "2026-06-30"), "confidential", ["电力", "铜排"]),
    ("shengda-motor", "盛达电机有限公司", "盛达电机", "电机", "华东", "江苏省常州市新北区汉江路 406 号",
     "key", "sun.li", "2016-10-21", ("2025-01-01", "2026-12-31"), "internal", ["电机", "端盖"]),
    ("lantian-solar", "蓝天光伏科技有限公司", "蓝天光伏", "光伏", "华东", "江苏省无锡市新吴区长江南路 35 号",
     "normal", "zhao.lei", "2021-09-01", ("2024-09-01", "2025-08-31"), "internal", ["光伏", "支架"]),
    ("kaisheng-electronics", "凯晟电子（昆山）有限公司", "凯晟电子", "消费电子", "华东", "江苏省昆山市开发区前进东路 88 号",
     "normal", "chen.jing", "2020-03-16", ("2025-04-01", "2027-03-31"), "internal", ["电子", "小件"]),
    ("dongfang-hvac", "东方暖通设备有限公司", "东方暖通", "暖通空调", "华东", "山东省青岛市城阳区春阳路 160 号",
     "normal", "zhao.lei", "2019-12-02", ("2024-01-01", "2025-12-31"), "internal", ["暖通", "法兰"]),
    ("minghui-lighting", "明辉照明电器有限公司", "明辉照明", "照明", "华南", "广东省中山市古镇镇东兴路 43 号",
     "normal", "zhou.qiang", "2022-06-20", ("2025-06-20", "2026-06-19"), "internal", ["照明", "散热器"]),
    ("jinqiao-bus", "金桥客车制造有限公司", "金桥客车", "商用车", "西南", "重庆市两江新区鱼复工业园 7 号",
     "normal", "zhou.qiang", "2017-04-05", ("2025-05-01", "2027-04-30"), "internal", ["商用车"]),
    ("ruida-instrument", "瑞达仪器仪表有限公司", "瑞达仪表", "仪器仪表", "华北", "北京市昌平区科技园区超前路 21 号",
     "normal", "chen.jing", "2020-10-12", ("2025-01-01", "2026-12-31"), "internal", ["仪表", "小批量"]),
    ("hongyun-furniture", "鸿运办公家具有限公司", "鸿运家具", "办公家具", "华南", "广东省佛山市顺德区乐从镇家具大道 3 号",
     "normal", "zhao.lei", "2021-05-28", ("2024-06-01", "2026-05-31"), "internal", ["家具", "铰链"]),
    ("anke-security", "安科安防科技有限公司", "安科安防", "安防", "华东", "浙江省杭州市余杭区文一西路 998 号",
     "normal", "chen.jing", "2023-02-14", ("2025-02-14", "2027-02-13"), "internal", ["安防"]),
    ("xinghai-marine", "星海船舶配套有限公司", "星海船舶", "船舶配套", "华东", "江苏省南通市港闸区永兴路 55 号",
     "normal", "sun.li", "2018-08-08", ("2025-01-01", "2027-12-31"), "internal", ["船舶", "不锈钢"]),
    ("chenguang-kitchen", "晨光厨卫科技有限公司", "晨光厨卫", "厨卫", "华东", "浙江省宁波市慈溪市浒山街道北二环 16 号",
     "normal", "zhao.lei", "2022-11-01", ("2024-11-01", "2025-10-31"), "internal", ["厨卫"]),
    ("fengtai-agri", "丰泰农业机械有限公司", "丰泰农机", "农业机械", "华北", "河北省石家庄市藁城区农机产业园 5 号",
     "normal", "zhou.qiang", "2023-06-30", ("2025-07-01", "2026-06-30"), "internal", ["农机"]),
    ("yuanjing-optics", "远景光电有限公司", "远景光电", "光电", "西南", "四川省成都市高新区天府大道 1700 号",
     "normal", "chen.jing", "2021-12-06", ("2025-01-01", "2026-12-31"), "internal", ["光电", "精密加工"]),
    ("baichuan-pack", "百川包装机械有限公司", "百川包装", "包装机械", "华东", "浙江省温州市瓯海区梧田工业区 12 号",
     "normal", "sun.li", "2020-07-15", ("2025-08-01", "2027-07-31"), "internal", ["包装机械"]),
    ("longjiang-pump", "龙江泵业有限公司", "龙江泵业", "泵阀", "东北", "黑龙江省哈尔滨市平房区哈南工业新城 9 号",
     "normal", "zhou.qiang", "2019-03-11", ("2024-04-01", "2026-03-31"), "internal", ["泵阀", "法兰"]),
]

CUSTOMER_PRODUCTS = {
    "hengda-auto": ["JG-BR-2031", "JG-EC-1508", "JG-RP-2310", "JG-CL-0512"],
    "xinrui-ev": ["JG-BR-2031", "JG-CU-2205", "JG-RP-2310"],
    "tongchuang-telecom": ["JG-CB-4410", "JG-HT-1701", "JG-TM-0318"],
    "meirui-appliance": ["JG-HG-2607", "JG-RP-2310", "JG-CL-0512"],
    "jiahe-medical": ["JG-SL-1120", "JG-SM-1402", "JG-HS-3302"],
    "huaxin-elevator": ["JG-GS-3105", "JG-RS-1903"],
    "zhongheng-machinery": ["JG-FL-0860", "JG-RP-2310", "JG-SL-1120"],
    "beifang-rail": ["JG-CB-4410", "JG-GS-3105", "JG-FL-0860"],
    "tianyu-robot": ["JG-HS-3302", "JG-SL-1120", "JG-RS-1903"],
    "boyuan-power": ["JG-CU-2205", "JG-TM-0318", "JG-CB-4410"],
    "shengda-motor": ["JG-EC-1508", "JG-SL-1120"],
    "lantian-solar": ["JG-BR-2031", "JG-CL-0512"],
    "kaisheng-electronics": ["JG-TM-0318", "JG-HT-1701", "JG-SM-1402"],
    "dongfang-hvac": ["JG-FL-0860", "JG-PJ-0725"],
    "minghui-lighting": ["JG-HT-1701", "JG-CL-0512"],
    "jinqiao-bus": ["JG-RP-2310", "JG-HG-2607"],
    "ruida-instrument": ["JG-SM-1402", "JG-CB-4410"],
    "hongyun-furniture": ["JG-HG-2607", "JG-RS-1903"],
    "anke-security": ["JG-CB-4410", "JG-SM-1402"],
    "xinghai-marine": ["JG-FL-0860", "JG-PJ-0725"],
    "chenguang-kitchen": ["JG-PJ-0725", "JG-HG-2607"],
    "fengtai-agri": ["JG-RP-2310", "JG-FL-0860"],
    "yuanjing-optics": ["JG-HS-3302", "JG-SM-1402"],
    "baichuan-pack": ["JG-RS-1903", "JG-SL-1120"],
    "longjiang-pump": ["JG-FL-0860", "JG-PJ-0725"],
}

PROJECTS = {
    "hengda-auto": [("EPS 电机端盖国产化项目", "2023-05-10"), ("电池包支架二期项目", "2025-09-01")],
    "xinrui-ev": [("二代电池包结构件项目", "2025-11-18")],
    "tongchuang-telecom": [("5G 基站室外机箱项目", "2026-03-10"), ("通信机柜散热模组项目", "2024-06-05")],
    "tianyu-robot": [("协作机器人关节壳体项目", "2026-06-22")],
    "beifang-rail": [("城轨车辆电气柜项目", "2024-11-20")],
    "huaxin-elevator": [("导靴支架标准化项目", "2023-09-15")],
    "jiahe-medical": [("输液泵精密结构件项目", "2025-02-26")],
    "zhongheng-machinery": [("挖机液压法兰项目", "2024-03-18")],
    "boyuan-power": [("开关柜铜排组件项目", "2025-07-08")],
}

SPECIAL_REQ = [
    ("每批出货须随货附出货检验报告，关键尺寸附实测数据与 CPK", "《供应商质量协议》第 5.2 条"),
    ("包装须使用 VCI 防锈纸加真空袋，每箱不超过 15 kg", "《包装规范》PK-07 版"),
    ("4M 变更（人、机、料、法）须提前 30 天书面通知并取得批准", "《供应商质量协议》第 8.1 条"),
    ("产品须符合 RoHS 2.0 与 REACH 要求，每年提供第三方检测报告", "《环保物质管理要求》ENV-2024"),
    ("每箱标签须注明生产日期、批号、炉号及检验员工号", "《来料标识要求》第 3 版"),
    ("出现质量异常须 24 小时内书面回复 8D 初报（D1~D3），10 个工作日内提交完整 8D", "《供应商质量协议》第 6.4 条"),
    ("送货时间限定为工作日 8:00-16:00，提前一天预约月台", "《收货管理规定》"),
    ("对账以客户 SRM 系统数据为准，每月 25 日前完成对账", "《采购框架合同》附件三"),
    ("首批及设计变更后须提交 PPAP 三级资料", "《新品开发协议》第 4 条"),
    ("医疗类零件须在洁净包装间完成最终包装，包装材料不得掉屑", "《洁净包装要求》MD-PK-02"),
    ("安全件须 100% 全检并保留检验记录五年", "《安全件管理规定》第 2 条"),
    ("出口批次须提供原产地证及英文装箱单", "《出口订单执行要求》"),
]

# --------------------------------------------------------------------------------------------
# Complaint scenarios (hand-written phrase pools)
# --------------------------------------------------------------------------------------------

QUALITY_SCENARIOS = [
    dict(key="hole", title="安装孔孔径超差", detail="来料抽检发现安装孔孔径偏大，实测 φ8.32~8.41，图纸要求 φ8.2±0.1",
         cause="冲孔凸模磨损后未按寿命及时更换；首件检验合格后过程巡检每 4 小时一次，磨损累积导致批次后段孔径逐渐偏大，巡检未能及时发现。",
         cm="库存及在途产品全数挑选；更换冲孔凸模并重新首件确认；巡检频次调整为每 2 小时一次，记录实测值。",
         capa=["建立冲孔模具寿命台账，按冲次强制更换凸模", "巡检记录表增加孔径实测栏，纳入 SPC 监控"],
         dept="manufacturing", unit="冲压一课", res=["return", "exchange", "rework"]),
    dict(key="scratch", title="外观面划伤", detail="开箱检验发现外观面存在条状划伤，长度 3~12 mm，影响客户喷涂后外观",
         cause="周转过程中产品直接叠放，未使用隔层托盘；包装前外观检验照度不足，轻微划伤未被检出。",
         cm="不良品退回重新抛光处理；周转改用带隔层的专用料架；包装工位增加照度至 800 lux 以上。",
         capa=["制作专用周转料架并培训搬运人员", "包装检验工位照明改造并纳入点检"],
         dept="manufacturing", unit="表面处理课", res=["rework", "exchange", "allowance"]),
    dict(key="plating", title="镀层起泡脱落", detail="客户装配后盐雾试验 48 小时即出现镀层起泡，局部脱落",
         cause="电镀前处理除油槽药液浓度偏低，且当班未按规定频次化验；工件表面残油导致镀层结合力不足。",
         cm="该批次全部退回剥镀重镀；补做结合力与盐雾试验确认合格后再出货；前处理药液改为每班化验两次。",
         capa=["前处理槽液化验纳入 MES 强制记录，超限自动锁线", "每批次增加百格试验抽检"],
         dept="manufacturing", unit="电镀车间", res=["return", "rework", "compensation"]),
    dict(key="burr", title="边缘毛刺超标", detail="客户装配时发现零件边缘毛刺明显，有划伤线束的风险",
         cause="去毛刺工序因设备保养临时改为人工作业，作业标准未同步更新，部分产品漏去毛刺。",
         cm="在库品全数复检并补去毛刺；恢复振动研磨工序；临时变更工艺须经工艺主管书面批准。",
         capa=["修订临时工艺变更管理流程", "去毛刺后增加手感及目视全检"],
         dept="manufacturing", unit="机加工二课", res=["rework", "exchange"]),
    dict(key="thread", title="螺纹孔漏攻牙", detail="客户装配线发现个别零件 M6 螺纹孔未攻牙，无法拧入螺栓",
         cause="CNC 加工程序调整后攻牙刀具断刀未报警，断刀后加工的零件漏攻牙；出货检验为抽检，未能检出。",
         cm="全数用螺纹塞规检验并隔离不良；设备增加断刀检测功能；螺纹孔改为 100% 塞规检验直至连续三批无异常。",
         capa=["CNC 加装刀具破损检测装置", "螺纹孔检验由抽检改为全检三个月"],
         dept="manufacturing", unit="CNC 课", res=["exchange", "return", "compensation"]),
    dict(key="flatness", title="平面度超差", detail="客户三坐标检测平面度 0.18 mm，图纸要求 ≤0.10 mm，导致装配间隙不均",
         cause="热处理装炉方式变更后零件平放叠装，冷却不均产生变形；校平工序未对该料号设定检验频次。",
         cm="不良品退回校平并全检平面度；热处理恢复立装工装；校平后每 50 件抽检一次平面度。",
         capa=["热处理装炉方式写入作业指导书并做防错标识", "增补平面度检具，发放至校平工位"],
         dept="manufacturing", unit="热处理课", res=["rework", "return", "allowance"]),
    dict(key="mixup", title="混入相近料号产品", detail="客户在装配线发现同箱内混有外形相近的其他料号零件",
         cause="包装线同时处理两个外形相近的料号，换线清线未执行到位，残留零件混入下一料号包装箱。",
         cm="协助客户在线挑选，库存全部开箱复查；包装线换线执行清线确认并双人签字。",
         capa=["相近料号增加颜色标识与称重防错", "换线清线检查表纳入班组长每日点检"],
         dept="manufacturing", unit="包装组", res=["exchange", "allowance", "rework"]),
    dict(key="rust", title="产品表面锈蚀", detail="客户开箱发现部分零件表面出现点状锈斑",
         cause="防锈油涂覆量不足，且包装未按协议使用 VCI 防锈纸；运输途中经历连续阴雨天气受潮。",
         cm="锈蚀品退回除锈并重新防锈处理；包装恢复 VCI 防锈纸加真空袋；出货前增加防锈状态检查。",
         capa=["防锈油涂覆改为定量喷涂并每班称重确认", "包装规范按客户协议重新培训"],
         dept="manufacturing", unit="包装组", res=["return", "rework", "allowance"]),
    dict(key="hardness", title="硬度不足", detail="客户来料检验硬度 HRC 32~35，图纸要求 HRC 38~42",
         cause="热处理炉温控仪表漂移，实际淬火温度比设定值低约 25℃，当批次硬度检验为首末件抽检，未覆盖中段。",
         cm="该批次全部退回重新热处理并 100% 检验硬度；温控仪表校准并增加第二测温点。",
         capa=["热处理炉增设独立测温并纳入每日点检", "硬度检验改为首、中、末各抽 5 件"],
         dept="manufacturing", unit="热处理课", res=["return", "exchange", "compensation"]),
    dict(key="weld", title="焊点虚焊", detail="客户振动试验后发现焊点开裂，拆检为虚焊",
         cause="焊接参数被误调后未做首件破坏性试验；焊工交接班时未核对参数记录。",
         cm="库存焊接件全数做拉力抽检并隔离可疑批次；焊机参数加锁，仅工艺员可修改。",
         capa=["焊接首件破坏性试验纳入开班必做项目", "焊机参数设置权限管理"],
         dept="manufacturing", unit="焊接课", res=["exchange", "compensation", "return"]),
    dict(key="bend", title="折弯角度超差", detail="客户装配时发现折弯边角度偏差约 1.5°，导致与配合件装配间隙不均",
         cause="折弯机更换上模后未重新进行角度补偿，首件使用的角度尺已超校准有效期。",
         cm="不良品返工校正并全检角度；角度尺重新校准；折弯换模后首件须由检验员确认。",
         capa=["量检具到期自动提醒，过期量具锁柜", "换模首件确认纳入折弯作业指导书"],
         dept="manufacturing", unit="钣金课", res=["rework", "allowance"]),
    dict(key="escape", title="外观不良批量流出", detail="客户来料检验发现批次内约 4% 零件存在压痕，判定整批退货",
         cause="出货检验抽样方案按一般检验水平 I 执行，样本量偏小；压痕位于背面，检验指导书未标注该检验部位。",
         cm="库存全数挑选后重新出货；出货检验改为一般检验水平 II；检验指导书补充背面检验要求。",
         capa=["修订出货检验抽样方案", "检验指导书增加缺陷样板照片"],
         dept="quality", unit="品保课", res=["return", "exchange", "allowance"]),
    dict(key="porosity", title="压铸件气孔渗漏", detail="客户气密测试发现零件渗漏，剖切可见内部气孔",
         cause="压铸模具排气槽堵塞，且真空系统真空度下降未及时报警，铸件内部气孔增多。",
         cm="可疑批次全数做气密检测；清理模具排气槽；真空度低于设定值时设备自动停机。",
         capa=["模具排气槽清理纳入每班保养", "真空系统加装低真空报警与联锁"],
         dept="manufacturing", unit="压铸课", res=["return", "exchange", "compensation"]),
    dict(key="oxid", title="表面氧化变色", detail="客户收货时发现零件表面发黑变色，影响导电接触面",
         cause="清洗后烘干不彻底，包装袋内残留水汽，存放期间铜件表面氧化。",
         cm="变色品退回重新清洗钝化；烘干时间由 15 分钟延长至 25 分钟；包装内放置干燥剂。",
         capa=["烘干工序增加出炉温湿度确认", "铜件包装标准增加干燥剂要求"],
         dept="manufacturing", unit="表面处理课", res=["rework", "exchange", "allowance"]),
    dict(key="length", title="长度尺寸偏短", detail="客户检测发现零件总长 L=86.5 mm，图纸要求 87±0.2 mm",
         cause="锯切定位挡块松动，操作员未按要求每 50 件复测长度。",
         cm="库存全数量测长度并隔离不良；挡块改为定位销固定；增加长度通止规。",
         capa=["锯切定位改为销钉定位并做防松标记", "长度检测由卡尺改为通止规快速检验"],
         dept="manufacturing", unit="下料课", res=["exchange", "return"]),
]

NONQ_SCENARIOS = [
    dict(key="late_plan", cat="delivery", title="交货延误", detail="约定交期比实际到货晚了 4 天，客户产线一度待料",
         cause="生产计划排程时未考虑电镀外协周期延长，导致交期评估过于乐观，延误后未提前预警客户。",
         cm="安排加班生产并专车送货；今后交期评估须包含外协周期，预计延误须提前 48 小时通知客户。",
         dept="gm_office", tracked=True, capa=["订单评审增加外协周期核对项", "交期预警纳入每日生产例会"],
         res=["allowance", "explanation", "compensation"]),
    dict(key="carrier", cat="delivery", title="物流延误", detail="货物在途滞留两天，客户未能按计划收货",
         cause="承运商中转站爆仓导致货物滞留，物流部未及时跟踪在途信息并通知客户。",
         cm="协调承运商加急派送；紧急订单改走专车；物流部每日核对在途订单状态。",
         dept="logistics", tracked=True, capa=["承运商考核增加准时率指标", "建立在途订单每日跟踪表"],
         res=["explanation", "allowance"]),
    dict(key="wrong_ship", cat="delivery", title="发错货", detail="客户收到的货物料号与订单不符",
         cause="仓库拣货员按相近库位拣货，出库复核时未扫描条码，属人员疏忽。",
         cm="当天补发正确料号并回收错发产品；对相关人员进行批评教育，出库复核须扫码。",
         dept="logistics", tracked=False, capa=[], res=["exchange", "explanation"]),
    dict(key="short", cat="delivery", title="到货数量短少", detail="客户清点发现实收数量比送货单少 200 件",
         cause="装箱时按整箱数计数，其中一箱为尾数箱未单独标识，点数人员疏忽。",
         cm="补发短少数量；尾数箱须贴尾数标签并在送货单注明。",
         dept="logistics", tracked=False, capa=[], res=["exchange", "explanation"]),
    dict(key="damage", cat="delivery", title="外包装破损", detail="到货时多箱外包装破损，部分零件变形",
         cause="托盘缠绕膜不足，运输途中颠簸导致纸箱挤压破损；装车未按堆码层数限制执行。",
         cm="变形品补发；托盘加护角并增加缠绕圈数；装车堆码不超过 4 层。",
         dept="logistics", tracked=True, capa=["修订托盘打包规范并拍照留存", "装车堆码层数写入发货检查表"],
         res=["exchange", "compensation"]),
    dict(key="invoice", cat="billing", title="发票金额错误", detail="客户收到的增值税发票单价与合同价格不一致",
         cause="价格调整后财务系统单价未同步更新，开票时沿用旧价格。",
         cm="作废原发票并重新开具；价格变更须由业务部书面通知财务并双人核对。",
         dept="finance", tracked=True, capa=["价格变更单与开票系统建立核对流程"], res=["explanation"]),
    dict(key="recon", cat="billing", title="对账数据差异", detail="月度对账时双方金额相差约 1.2 万元",
         cause="一笔退货冲红未在当月入账，业务员未及时将退货单交财务。",
         cm="补录退货冲红单据，双方重新对账确认；退货单据须在 2 个工作日内交财务。",
         dept="sales", tracked=False, capa=[], res=["explanation", "allowance"]),
    dict(key="attitude", cat="service_attitude", title="客服答复不及时", detail="客户反映来电咨询后两天未得到回复，多次催问",
         cause="首问责任人外出后未做书面交接，客户诉求无人跟进，违反首问负责制。",
         cm="当天由客服主管致电致歉并答复；重申首问负责制，外出须书面交接。",
         dept="service", tracked=False, capa=[], res=["explanation"]),
    dict(key="promise", cat="service_attitude", title="业务承诺未兑现", detail="业务员口头承诺的补货时间未兑现，客户不满",
         cause="业务员在未确认库存的情况下口头承诺交期，超出其权限范围。",
         cm="重新确认交期并书面回复客户；业务人员对外承诺须先经业务经理确认。",
         dept="sales", tracked=False, capa=[], res=["explanation", "allowance"]),
    dict(key="install", cat="installation", title="装配指导不到位", detail="客户新产线首次装配时安装孔位对不上，停线约 2 小时",
         cause="我司提供的装配示意图为旧版本，客户按旧图调整工装导致装配偏差。",
         cm="派工程师到现场指导并提供最新版装配图；技术资料发放纳入版本控制。",
         dept="service", tracked=True, capa=["客户技术资料发放建立版本登记表"], res=["repair", "explanation"]),
    dict(key="cert", cat="other", title="材质证明缺失", detail="客户来料检验时发现随货资料缺少材质证明，货物被暂扣",
         cause="该批次原材料换用新供应商，材质证明未及时归档，出货资料核对未发现缺失。",
         cm="当日补发材质证明扫描件，原件快递寄出；出货资料清单增加材质证明核对项。",
         dept="quality", tracked=True, capa=["出货资料检查表增加材质证明项目"], res=["explanation"]),
]

NOT_ESTABLISHED = [
    dict(title="零件锈蚀", detail="客户反映仓库存放的零件出现锈蚀",
         cause="现场确认该批货物已在客户露天仓库存放超过 5 个月，包装袋已开封，锈蚀为存放环境所致；出货检验及防锈记录均正常。",
         letter="经双方现场确认，该批产品出货时防锈状态良好，锈蚀与仓储环境有关。我司已为贵司提供防锈存放建议，并可协助对剩余产品做防锈处理"),
    dict(title="螺纹滑牙", detail="客户装配时螺纹孔滑牙",
         cause="现场复现确认，客户装配使用的电批扭矩为 12 N·m，超过图纸规定的 6~8 N·m；抽检留样螺纹全部合格。",
         letter="经现场复测，产品螺纹符合图纸要求，滑牙与装配扭矩设定有关。我司工程师已协助贵司完成电批扭矩校准，并提供装配扭矩参考表"),
    dict(title="尺寸判定异常", detail="客户来料检验判定孔距超差",
         cause="双方共同复测，客户检验所用卡尺已超出校准有效期，更换合格量具后测量值在公差范围内。",
         letter="经双方使用校准合格的量具共同复测，该批产品孔距符合图纸要求。感谢贵司的配合，后续如有疑问我司可随时派员共同测量"),
    dict(title="图纸版本不符", detail="客户反映到货零件与最新图纸不一致",
         cause="核对确认客户图纸于上月升版至 C 版，但未发出变更通知，我司按订单注明的 B 版图纸生产，产品符合 B 版要求。",
         letter="经核对，本批产品按订单注明的 B 版图纸生产并检验合格。我司已收到最新 C 版图纸，自下一订单起按 C 版执行，如需提前切换请告知，我司优先安排"),
    dict(title="二次加工后开裂", detail="客户二次折弯加工后零件开裂",
         cause="客户在我司交付后自行增加二次折弯工序，折弯半径小于材料允许最小值；我司交付状态产品检验合格。",
         letter="经分析，开裂发生在贵司增加的二次折弯位置，与折弯半径设定有关。我司技术部已提供材料折弯半径建议，如需调整材料牌号可共同评估"),
]

REOPEN_REASON = [
    "客户复检补发批次仍有少量同类不良，不接受原处理结果，要求扩大挑选范围并重新评估损失",
    "客户认为原折让金额未覆盖其挑选工时与停线损失，要求重新核算",
    "客户质量部不认可原 8D 报告的根本原因分析，要求补充验证数据后重新答复",
    "客户反馈整改后第二批次仍发现不良，要求按协议升级处理",
    "客户对原处理周期不满，要求书面说明并重新确认赔偿方案",
]

OPERATORS = ["王小军", "李春燕", "张国栋", "刘红", "陈卫东", "杨帆", "赵亮", "黄小梅", "周兵", "吴晓峰", "孙涛", "朱丽"]
SHIFTS = ["白班", "夜班", "A 班", "B 班"]

REQ_BY_RES = {
    "return": ["return"], "exchange": ["exchange"], "rework": ["repair"], "allowance": ["allowance"],
    "compensation": ["compensation", "return"], "repair": ["repair"], "explanation": ["explanation"],
}
RES_ZH = {"return": "退货", "rework": "返工", "exchange": "换货", "allowance": "折让", "compensation": "赔偿",
          "repair": "维修", "explanation": "说明解释", "not_established": "客诉不成立"}

# --------------------------------------------------------------------------------------------
# YAML writing
# --------------------------------------------------------------------------------------------

FIELD_ORDER = {
    "customer": ["id", "name", "short_name", "industry", "region", "address", "contacts", "tier", "account_owner",
                 "since", "agreement_start", "agreement_end", "special_requirements", "projects", "confidentiality",
                 "tags"],
    "complaint": ["id", "title", "status", "customer", "received_at", "registered_at", "channel", "first_responder",
                  "owner", "reporter", "order_no", "part_no", "quantity", "ship_date", "defective_qty", "request",
                  "request_note", "category", "severity", "investigation_started_at", "quality_report_at", "cause_class", "cause_analysis", "responsible_dept",
                  "countermeasure", "improvement_tracked", "production", "resolution", "amount", "currency",
                  "proposed_by", "proposed_at", "approvals", "capa", "promised_reply_at", "replied_at",
                  "customer_reply", "resolution_letter", "told_at", "told_via", "result", "closed_at",
                  "customer_accepted", "callback_waived", "reopens", "handovers", "on_hold", "aliases", "imported",
                  "tags"],
    "callback": ["id", "customer", "complaint", "note", "project", "kind", "due", "status", "assigned_to", "attempts",
                 "conducted_by", "done_at", "channel", "satisfaction", "comments", "follow_up",
                 "follow_up_complaint", "cancel_reason", "imported"],
    "note": ["id", "at", "author", "customer", "complaint", "kind", "summary", "open_issues", "billable"],
}
SUB_ORDER = {
    "contacts": ["name", "role", "phone", "email"],
    "special_requirements": ["item", "source", "date", "reviewed_by"],
    "projects": ["name", "delivered_on"],
    "production": ["unit", "shift", "operator", "date"],
    "approvals": ["by", "role", "at", "resolution", "amount"],
    "capa": ["action", "owner", "due", "status", "verified_by", "verified_at"],
    "attempts": ["at", "by", "result", "note"],
    "handovers": ["from", "to", "at", "note"],
    "on_hold": ["from", "to", "reason"],
}


def scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal):
        text = format(v.quantize(Decimal("0.01")), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(v, int):
        return str(v)
    s = str(v)
    try:
        plain_ok = (s == s.strip() and s != "" and yaml.safe_load(f"k: {s}") == {"k": s}
                    and "#" not in s and not s.startswith(("'", '"', "&", "*", "!", "|", ">", "%", "@", "`")))
    except yaml.YAMLError:
        plain_ok = False
    return s if plain_ok else json.dumps(s, ensure_ascii=False)


def emit_value(key: str, v, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(v, list):
        if not v:
            return [f"{pad}{key}: []"]
        lines = [f"{pad}{key}:"]
        for item in v:
            if isinstance(item, dict):
                first = True
                for k in SUB_ORDER[key]:
                    if item.get(k) is None:
                        continue
                    sub = emit_value(k, item[k], indent + 4)
                    sub[0] = pad + ("  - " if first else "    ") + sub[0].lstrip()
                    lines += sub
                    first = False
            else:
                lines.append(f"{pad}  - {scalar(item)}")
        return lines
    if isinstance(v, str) and "\n" in v:
        body = [f"{pad}  {ln}" if ln else "" for ln in v.rstrip("\n").split("\n")]
        return [f"{pad}{key}: |"] + body
    return [f"{pad}{key}: {scalar(v)}"]


def render(kind: str, data: dict, body: str) -> str:
    unknown = set(data) - set(FIELD_ORDER[kind])
    assert not unknown, (kind, unknown)
    lines = []
    for k in FIELD_ORDER[kind]:
        if data.get(k) is None:
            continue
        lines += emit_value(k, data[k], 0)
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body.strip("\n") + "\n"


# --------------------------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------------------------


def build_customers() -> dict[str, dict]:
    pool = CONTACTS[:]
    R.shuffle(pool)
    phones = R.sample(range(1000, 9999), 120)
    out = {}
    for (slug, name, short, industry, region, address, tier, owner, since, (a0, a1), conf, tags) in CUSTOMERS:
        n_contacts = 3 if tier != "normal" else 2
        roles = ["采购经理", "质量经理"] + R.sample([r for r in CONTACT_ROLES if r not in ("采购经理", "质量经理")], 2)
        contacts = []
        for i in range(n_contacts):
            cname, handle = pool.pop()
            contacts.append({"name": cname, "role": roles[i], "phone": f"138-0000-{phones.pop():04d}",
                             "email": f"{handle}@example.com"})
        reqs = []
        n_req = {"vip": 4, "key": 3, "normal": R.choice([0, 1, 1, 2])}[tier]
        for item, src in R.sample(SPECIAL_REQ, n_req):
            d = date.fromisoformat(a0) + timedelta(days=R.randint(-200, 300))
            d = min(d, TODAY - timedelta(days=30))
            reqs.append({"item": item, "source": src, "date": d, "reviewed_by": pick(QUALITY)})
        reqs.sort(key=lambda r: r["date"])
        if slug == "jiahe-medical" and not any("洁净" in r["item"] for r in reqs):
            reqs.append({"item": SPECIAL_REQ[9][0], "source": SPECIAL_REQ[9][1], "date": date(2025, 3, 18),
                         "reviewed_by": "xu.jun"})
        projects = [{"name": p, "delivered_on": date.fromisoformat(d)} for p, d in PROJECTS.get(slug, [])]
        out[slug] = dict(
            id=slug, name=name, short_name=short, industry=industry, region=region, address=address,
            contacts=contacts, tier=tier, account_owner=owner, since=date.fromisoformat(since),
            agreement_start=date.fromisoformat(a0), agreement_end=date.fromisoformat(a1),
            special_requirements=reqs or None, projects=projects or None, confidentiality=conf, tags=tags,
        )
    return out


def customer_body(c: dict, complaints: list[dict]) -> str:
    since = c["since"]
    products = "、".join(f"{PRODUCT[p][0]}（{p}）" for p in CUSTOMER_PRODUCTS[c["id"]])
    tier_zh = {"vip": "战略客户（VIP）", "key": "重点客户", "normal": "一般客户"}[c["tier"]]
    lines = [f"## 客户概况", "",
             f"{c['name']}位于{c['region']}地区，主营{c['industry']}，{since.year} 年起与我司合作，"
             f"现为我司{tier_zh}，客户经理为{NAME[c['account_owner']]}。", "",
             f"主要供货产品：{products}。", ""]
    lines += ["## 合作历程", ""]
    y = since.year
    milestones = [f"- {y} 年：通过我司工厂审核，首批样件认可后开始小批量供货。"]
    if y + 2 <= 2024:
        milestones.append(f"- {y + 2} 年：供货范围扩大，年度采购额进入前二十。")
    if c.get("projects"):
        for p in c["projects"]:
            milestones.append(f"- {p['delivered_on'].year} 年：{p['name']}交付量产。")
    a_end = c["agreement_end"]
    milestones.append(f"- {c['agreement_start'].year} 年：续签服务协议，协议期至 {a_end.isoformat()}。")
    lines += sorted(dict.fromkeys(milestones), key=lambda s: s[2:6]) + [""]
    lines += ["## 服务要点", ""]
    if a_end < TODAY:
        lines.append(f"- **服务协议已于 {a_end.isoformat()} 到期**，续签前的上门服务按收费标准执行，出发前须先告知客户。")
    if c["tier"] in ("vip", "key"):
        lines.append("- 执行个性化服务计划：客户经理每季度上门拜访一次，12 月进行次年需求访谈。")
    if c.get("special_requirements"):
        lines.append("- 特殊要求见本档案“客户特殊要求清单”，出货前由质量管理部逐条确认。")
    lines.append("- 客诉首问责任人须在 24 小时内给出初步答复。")
    n = len(complaints)
    if n:
        lines += ["", "## 近一年客诉情况", "",
                  f"2025 年 12 月至今共受理客诉 {n} 件，详见客户档案页的客诉列表。"]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Complaints
# --------------------------------------------------------------------------------------------

MONTH_COUNTS = {(2025, 12): 11, (2026, 1): 12, (2026, 2): 7, (2026, 3): 12, (2026, 4): 11, (2026, 5): 10,
                (2026, 6): 12, (2026, 7): 11, (2026, 8): 10, (2026, 9): 12, (2026, 10): 16, (2026, 11): 23}
TIER_WEIGHT = {"vip": 9, "key": 5, "normal": 1.6}


def received_days(y: int, m: int, n: int) -> list[date]:
    last = calendar.monthrange(y, m)[1]
    if (y, m) == (TODAY.year, TODAY.month):
        last = TODAY.day
    days = [date(y, m, d) for d in range(1, last + 1)]
    weights = [6 if is_workday(d) else 0.5 for d in days]
    return sorted(R.choices(days, weights, k=n))


SCENARIO_PARTS = {
    "plating": {"not": ["JG-FL-0860", "JG-PJ-0725", "JG-HS-3302"]},
    "weld": {"only": ["JG-CB-4410", "JG-GS-3105", "JG-RP-2310", "JG-BR-2031"]},
    "bend": {"only": ["JG-CB-4410", "JG-BR-2031", "JG-SM-1402", "JG-GS-3105", "JG-HG-2607", "JG-RP-2310"]},
    "porosity": {"only": ["JG-HS-3302", "JG-EC-1508"]},
    "oxid": {"only": ["JG-CU-2205", "JG-TM-0318"]},
    "hardness": {"only": ["JG-SL-1120", "JG-RS-1903", "JG-CL-0512", "JG-HG-2607", "JG-FL-0860"]},
    "length": {"only": ["JG-SL-1120", "JG-RS-1903", "JG-PJ-0725", "JG-CU-2205"]},
    "rust": {"not": ["JG-FL-0860", "JG-PJ-0725", "JG-HS-3302", "JG-CU-2205", "JG-TM-0318"]},
    "flatness": {"not": ["JG-SL-1120", "JG-CL-0512", "JG-TM-0318", "JG-PJ-0725"]},
    "thread": {"not": ["JG-CL-0512", "JG-TM-0318", "JG-HT-1701"]},
}


def fits(sc: dict, pn: str) -> bool:
    rule = SCENARIO_PARTS.get(sc["key"], {})
    return pn in rule.get("only", [pn]) and pn not in rule.get("not", [])


def severity_for(q: bool) -> str:
    return R.choices(["minor", "normal", "major", "critical"], [20, 51, 21, 8] if q else [40, 50, 10, 0])[0]


def amount_for(res: str, dq: int, price: Decimal, severity: str) -> Decimal:
    base = Decimal(dq) * price
    if res == "explanation" or res == "not_established":
        return Decimal(0)
    if res == "return":
        v = base
    elif res == "exchange":
        v = base * Decimal("0.6") + R.randint(300, 2000)
    elif res == "rework":
        v = Decimal(R.randint(800, 6000)) + base * Decimal("0.15")
    elif res == "allowance":
        v = base * Decimal(R.choice(["0.3", "0.5", "0.8"])) + R.randint(500, 3000)
    elif res == "compensation":
        v = base + R.randint(8000, 40000) * (3 if severity in ("major", "critical") else 1)
    else:  # repair
        v = Decimal(R.randint(600, 4800))
    if R.random() < 0.6:
        v = (v / 10).quantize(Decimal("1")) * 10
    else:
        v = v.quantize(Decimal("0.01"))
    return max(v, Decimal(200))


def approval_role(amount: Decimal, severity: str) -> str:
    if severity == "critical":
        return "gm"
    if amount <= 5000:
        return "sales_manager"
    if amount <= 50000:
        return "deputy_gm"
    return "gm"


def new_complaint(customers: dict, recv_day: date, *, reopen_of: dict | None = None) -> dict:
    if reopen_of:
        cust = reopen_of["customer"]
    else:
        slugs = list(customers)
        cust = R.choices(slugs, [TIER_WEIGHT[customers[s]["tier"]] for s in slugs])[0]
    c = customers[cust]
    kind = R.choices(["q", "n", "x"], [62, 28, 10])[0]
    if reopen_of:
        kind = "q" if reopen_of["_kind"] == "q" else "n"
    if kind == "q":
        sc = reopen_of["_sc"] if reopen_of else None
        category = "product_quality"
    elif kind == "n":
        sc = reopen_of["_sc"] if reopen_of else pick(NONQ_SCENARIOS)
        category = sc["cat"]
    else:
        sc = pick(NOT_ESTABLISHED)
        category = "product_quality"
    pn = reopen_of["part_no"] if reopen_of else pick(CUSTOMER_PRODUCTS[cust])
    if sc is None:
        sc = pick([x for x in QUALITY_SCENARIOS if fits(x, pn)])
    pname, _, price = PRODUCT[pn]
    channel = R.choices(["phone", "email", "visit", "letter", "web", "on_site"], [40, 32, 8, 5, 7, 8])[0]
    hour_lo, hour_hi = (8.5, 17.5) if is_workday(recv_day) else (9, 12)
    if recv_day == TODAY:
        hour_lo, hour_hi = 8.5, 11.5
    recv = at(recv_day, hour_lo, hour_hi)
    if channel == "email" and R.random() < 0.25 and recv_day < TODAY:
        recv = at(recv_day, 18, 21.5)
    reg = recv.date() if (recv.hour < 17 and is_workday(recv.date())) else workday_on_or_after(recv.date() + timedelta(days=1))
    qty = R.choice([500, 800, 1000, 1200, 1500, 2000, 2400, 3000, 5000, 6000, 8000, 10000])
    if price > 40:
        qty = qty // 10
    dq = max(3, int(qty * R.choice([0.004, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.25])))
    ship = recv.date() - timedelta(days=R.randint(3, 35))
    order_no = f"SO{ship.strftime('%y%m')}-{R.randint(100, 999):04d}"
    if reopen_of:  # same order and batch as the original complaint
        qty, ship, order_no = reopen_of["quantity"], reopen_of["ship_date"], reopen_of["order_no"]
        dq = min(max(dq, reopen_of["defective_qty"]), qty)
    severity = severity_for(kind == "q")
    if reopen_of:
        severity = {"minor": "normal", "normal": "major", "major": "major", "critical": "critical"}[reopen_of["severity"]]
    if sc.get("key") in ("wrong_ship", "short", "invoice", "recon", "attitude", "promise", "cert") and severity == "major":
        severity = "normal"
    first = R.choice(REPS + SALES_REPS + [c["account_owner"]] * 2)
    if first in SALES_MANAGERS:
        first = pick(SALES_REPS)
    if kind == "q":
        res = R.choice(sc["res"])
    elif kind == "n":
        res = R.choice(sc["res"])
    else:
        res = "not_established"
    if severity == "critical" and kind == "q":
        res = R.choice(["compensation", "return"])
    if reopen_of:
        up = {"rework": "exchange", "allowance": "compensation", "explanation": "allowance", "repair": "exchange",
              "exchange": "compensation", "return": "compensation"}
        res = up.get(reopen_of["resolution"], "compensation")
    request = list(REQ_BY_RES.get(res, ["explanation"]))
    if kind == "x":
        request = R.choice([["return"], ["exchange"], ["compensation"], ["return", "compensation"]])
    if category == "product_quality" and R.random() < 0.25 and "explanation" not in request:
        request.append("explanation")
    request_note = None
    if "return" in request and R.random() < 0.35:
        request_note = "客户加工中未确定，退货数量待客户清点后确认"
    elif "compensation" in request:
        request_note = R.choice(["客户要求赔偿挑选工时及停线损失，金额待双方核对",
                                 "客户要求承担返工人工费用，已提供工时清单"])
    elif "allowance" in request:
        request_note = "客户希望以货款折让方式处理，在当月对账中扣减"
    reporter = pick(c["contacts"])["name"]
    batch = ship.strftime("%y%m")
    title = f"批次 {batch} {pname}{sc['title']}"
    if category == "billing":
        title = f"{ship.month}月{sc['title']}（{order_no}）"
    elif category == "service_attitude":
        title = sc["title"]
    elif category in ("delivery", "installation", "other") and kind == "n":
        title = f"{pname}{sc['title']}（{order_no}）"
    if reopen_of:
        title = f"批次 {reopen_of['ship_date'].strftime('%y%m')} {pname}{sc['title']}（客户不接受原处理，重开）"
    amount = amount_for(res, dq, price, severity)
    if reopen_of:
        amount = max(amount, reopen_of["amount"] + R.randint(2000, 12000))
    if category in ("billing", "service_attitude") and res == "allowance":
        amount = Decimal(R.choice([1500, 2200, 3000, 4800]))
    return dict(
        _kind=kind, _sc=sc, _reopen_of=reopen_of, _pname=pname, _price=price,
        title=title, customer=cust, received_at=recv, registered_at=reg, channel=channel,
        first_responder=first, reporter=reporter, order_no=order_no, part_no=pn, quantity=qty,
        ship_date=ship, defective_qty=dq, request=request, request_note=request_note,
        category=category, severity=severity, resolution=res, amount=amount,
    )


def plan_timeline(cp: dict, slow: bool = False) -> None:
    """Event times from registration to closure (all of them, even in the future)."""
    reg = cp["registered_at"]
    recv = cp["received_at"]
    fast = cp["severity"] in ("major", "critical")
    cp["_promise"] = datetime.combine(workday_on_or_after(recv.date() + timedelta(days=1 if fast else R.randint(1, 3))),
                                      datetime.min.time()) + timedelta(hours=17)
    late_reply = R.random() < 0.08
    cp["_replied"] = cp["_promise"] + timedelta(hours=R.randint(18, 44)) if late_reply else \
        cp["_promise"] - timedelta(minutes=R.choice([30, 60, 120, 240, 300, 420]))
    if cp["_replied"] < recv:
        cp["_replied"] = recv + timedelta(hours=2)
    start = datetime.combine(reg, datetime.min.time()) + timedelta(hours=9)
    extra = R.randint(5, 10) if slow else 0
    prop = later(max(start, recv), (1 if fast else 2) + extra, (3 if fast else 5) + extra, 9.5, 17.5)
    cp["_proposed"] = prop
    if cp["_kind"] == "x":
        told = later(prop, 0, 1, 9, 17)
        cp["_approved"] = None
        cp["_told"] = told
        cp["_closed"] = workday_on_or_after(told.date() + timedelta(days=R.randint(1, 3)))
        cp["_cb_done"] = None
        cp["_capa_verified"] = None
        return
    appr = later(prop, 0, 2, 9, 18)
    told = later(appr, 0, 2, 9, 17.5)
    cp["_approved"], cp["_told"] = appr, told
    late_cb = R.random() < 0.1
    cb = later(told, 8, 11, 9, 17.5) if late_cb else later(told, 1, 5, 9, 17.5)
    if cb.date() > told.date() + timedelta(days=7) and not late_cb:
        cb = at(told.date() + timedelta(days=7), 9, 17)
    cp["_cb_done"] = cb
    tracked = cp["_kind"] == "q" or (cp["_kind"] == "n" and cp["_sc"]["tracked"])
    cp["_tracked"] = tracked
    if tracked:
        cp["_capa_verified"] = workday_on_or_after(told.date() + timedelta(days=R.randint(3, 10)))
    else:
        cp["_capa_verified"] = None
    last = max(cb.date(), cp["_capa_verified"] or cb.date())
    cp["_closed"] = workday_on_or_after(last + timedelta(days=R.randint(0, 2)))


STAGES = ["registered", "investigating", "proposed", "approved", "resolved", "closed"]


def status_now(cp: dict) -> str:
    reached = "registered"
    if datetime.combine(cp["registered_at"], datetime.min.time()) + timedelta(hours=R.choice([10, 14, 33])) <= NOW:
        reached = "investigating"
    if cp["_kind"] == "x":
        if cp["_closed"] <= TODAY and cp["_told"] <= NOW:
            return "not_established"
        return reached
    if cp["_proposed"] <= NOW:
        reached = "proposed"
    if cp["_approved"] <= NOW:
        reached = "approved"
    if cp["_told"] <= NOW:
        reached = "resolved"
    if cp["_closed"] < TODAY and cp["_cb_done"] <= NOW:
        reached = "closed"
    return reached


def build_complaints(customers: dict) -> list[dict]:
    cps: list[dict] = []
    for (y, m), n in MONTH_COUNTS.items():
        for d in received_days(y, m, n):
            cp = new_complaint(customers, d)
            cp["_slow"] = R.random() < 0.12 and cp["severity"] != "critical"
            plan_timeline(cp, cp["_slow"])
            cps.append(cp)
    for cp in cps:
        cp["status"] = status_now(cp)
        if cp["registered_at"] >= date(2026, 11, 3) and cp["_kind"] != "x":
            r = R.random()
            st = cp["status"]
            if st in ("approved", "resolved", "closed") and r < 0.22:
                cp["status"] = "approved"  # approved, result not yet told
            elif st in ("proposed", "approved", "resolved", "closed") and r < 0.42:
                cp["status"] = "proposed"  # waiting for the approver
            elif st == "closed" and r < 0.75:
                cp["status"] = "resolved"  # waiting for the customer's written confirmation
            elif st == "investigating" and (TODAY - cp["registered_at"]).days <= 3 and r < 0.5:
                cp["status"] = "registered"
        if cp["registered_at"] == TODAY and cp["status"] == "investigating":
            cp["status"] = "registered"
    # Stall a handful of October cases: these are the overdue ones (逾期) in the demo.
    october = [cp for cp in cps if date(2026, 9, 28) <= cp["registered_at"] <= date(2026, 11, 1)
               and cp["severity"] != "critical" and cp["_kind"] != "x"]
    R.shuffle(october)
    stalls = ["registered", "investigating", "investigating", "proposed", "proposed", "approved", "resolved", "resolved"]
    october = [cp for cp in october if cp["status"] in ("resolved", "closed")]
    for cp, stage in zip(october, stalls):
        cp["status"] = stage
        cp["_stalled"] = True
    # One October case waits on the customer (on_hold pauses the clock): not overdue.
    hold = [cp for cp in october[len(stalls):] if cp["_kind"] == "q"][:1]
    for cp in hold:
        cp["status"] = "investigating"
        cp["_stalled"] = True
        cp["on_hold"] = [{"from": cp["registered_at"] + timedelta(days=3), "to": None,
                          "reason": "等待客户寄回不良样品并确认加工中产品的退货数量"}]
        cp["request_note"] = "客户加工中未确定"
    # Reopened cases: the customer did not accept the result of a closed complaint.
    originals = [cp for cp in cps if cp["status"] == "closed" and cp["_kind"] in "qn"
                 and date(2026, 1, 5) <= cp["_closed"] <= date(2026, 9, 30) and cp["resolution"] != "explanation"]
    R.shuffle(originals)
    used = set()
    for orig in originals:
        if len(used) == 5:
            break
        if orig["customer"] in used:
            continue
        used.add(orig["customer"])
        orig["_not_accepted"] = True
        d = workday_on_or_after(orig["_closed"] + timedelta(days=R.randint(2, 10)))
        rc = new_complaint(customers, d, reopen_of=orig)
        rc["_slow"] = False
        rc["_reopen_reason"] = pick(REOPEN_REASON)
        rc["channel"] = R.choice(["phone", "email", "letter"])
        plan_timeline(rc)
        rc["status"] = status_now(rc)
        orig["_reopened_by"] = rc
        cps.append(rc)
    # A few closed cases whose callback was waived.
    waivable = [cp for cp in cps if cp["status"] == "closed" and not cp.get("_not_accepted") and cp["_kind"] == "n"
                and not cp["_tracked"]]
    for cp in waivable[:2]:
        cp["_waived"] = R.choice(["客户明确表示无需回访，已在结案确认邮件中说明", "客户对接人已离职，客户要求改为季度走访时一并确认"])
    # Numbers: C-YYMM-NNN from the received month, serial restarting monthly.
    cps.sort(key=lambda cp: cp["received_at"])
    serial: dict[str, int] = defaultdict(int)
    for cp in cps:
        ym = cp["received_at"].strftime("%y%m")
        serial[ym] += 1
        cp["id"] = f"C-{ym}-{serial[ym]:03d}"
    return cps


def quality_report(cp: dict, idx: int) -> None:
    """Investigation start (the day registration is done or the next working day) and the quality
    department's report, due 3 days later: mostly on time, some late, the stalled cases still owing it."""
    st = cp["status"]
    if idx < 1 and st != "not_established":
        return
    start = cp["registered_at"] if Q.random() < 0.7 else workday_on_or_after(cp["registered_at"] + timedelta(days=1))
    start = min(start, TODAY)
    cp["investigation_started_at"] = start
    report = start + timedelta(days=Q.choice([1, 2, 2, 3, 3, 3, 3, 3, 4, 6]))
    if idx >= 2 or st == "not_established":
        report = min(report, max(start, (cp.get("_proposed") or cp["_told"]).date()))
    elif cp.get("_stalled") or report > TODAY or Q.random() < 0.3:
        return  # still owed (outstanding once due), or not yet due
    cp["quality_report_at"] = report


def finish_complaint(cp: dict, customers: dict) -> None:
    """Fill the fields the complaint's status calls for, in a consistent order of dates."""
    st = cp["status"]
    idx = STAGES.index(st) if st in STAGES else 99
    sc = cp["_sc"]
    c = customers[cp["customer"]]
    kind = cp["_kind"]
    reopen_of = cp["_reopen_of"]
    # owner and hand-overs
    if R.random() < 0.15 and (idx >= 1):
        to = pick([s for s in REPS + SALES_REPS if s != cp["first_responder"]])
        when = later(cp["received_at"], 1, 3, 9, 17.5)
        if when <= NOW and (idx < 2 or when < cp["_proposed"]):
            cp["owner"] = to
            cp["handovers"] = [{"from": cp["first_responder"], "to": to, "at": when,
                                "note": R.choice(["首问责任人出差，书面交接给接收人继续跟进",
                                                  "首问责任人休假，按交接记录移交", "按客户区域调整，移交区域负责人"])}]
    cp.setdefault("owner", cp["first_responder"])
    # interim reply (承诺答复)
    cp["promised_reply_at"] = cp["_promise"]
    if cp["_replied"] <= NOW:
        cp["replied_at"] = cp["_replied"]
        contact = cp["reporter"]
        cp["customer_reply"] = pick([
            f"{contact}您好：贵司反映的{cp['_pname']}（料号 {cp['part_no']}）问题我司已收到并登记，编号 {cp['id']}。"
            f"质量管理部已安排调查，库存与在途产品已隔离，我们将在调查完成后第一时间向您书面答复处理方案。给贵司带来不便，深表歉意。",
            f"{contact}您好：关于订单 {cp['order_no']} 的问题，我司已成立处理小组跟进，今天已完成库存排查。"
            f"详细原因分析与处理方案预计三个工作日内提供，期间如有新的情况请随时联系我。",
            f"{contact}您好：感谢您及时反馈。您反映的问题已登记为 {cp['id']}，由我本人负责跟进到底。"
            f"我们已安排人员核查同批次产品，处理进展会每天向您通报。",
        ])
    quality_report(cp, idx)
    # production trace (filled by manufacturing when known)
    if kind == "q" and idx >= 1 and (idx >= 2 or R.random() < 0.5):
        cp["production"] = [{"unit": sc["unit"], "shift": pick(SHIFTS), "operator": pick(OPERATORS),
                             "date": cp["ship_date"] - timedelta(days=R.randint(2, 12))}]
    if st == "investigating" and kind != "x" and R.random() < 0.5:
        cp["cause_analysis"] = "初步分析：" + sc["cause"].split("；")[0] + "。详细原因待质量管理部调查报告确认。"
    if kind == "x" and st == "investigating":
        cp["cause_analysis"] = "初步分析：正在与客户共同复核，" + sc["cause"].split("，")[0] + "。"
    if idx >= 2 or st == "not_established":
        if kind == "x":
            cp["cause_analysis"] = sc["cause"]
            cp["countermeasure"] = "向客户说明调查结论并提供技术支持，本案不承担损失。"
            cp["improvement_tracked"] = False
        else:
            cp["cause_class"] = "quality" if kind == "q" else "non_quality"
            cause = sc["cause"]
            if reopen_of:
                cause = f"原客诉 {reopen_of['id']} 结案后，{cp['_reopen_reason']}。复查结论：{cause}"
            cp["cause_analysis"] = cause
            cp["responsible_dept"] = sc["dept"]
            cp["countermeasure"] = sc["cm"]
            cp["improvement_tracked"] = bool(cp["_tracked"])
        cp["resolution"] = cp["resolution"]
        cp["currency"] = "CNY"
        cp["proposed_by"] = R.choice(GM_OFFICE * 3 + [cp["owner"]])
        cp["proposed_at"] = cp["_proposed"]
    else:
        cp["resolution"] = None
        cp["amount"] = None
    if idx >= 3 and kind != "x":
        role = approval_role(cp["amount"], cp["severity"])
        if R.random() < 0.08 and role == "sales_manager":
            role = "deputy_gm"  # a higher authority may approve a small amount
        by = pick([s for s in APPROVER[role] if s != cp["proposed_by"]])
        cp["approvals"] = [{"by": by, "role": role, "at": cp["_approved"], "resolution": cp["resolution"],
                            "amount": cp["amount"]}]
    # CAPA
    if idx >= 2 and kind != "x" and cp["_tracked"] and sc.get("capa"):
        actions = sc["capa"][: R.choice([1, 2, 2])]
        capas = []
        for i, a in enumerate(actions):
            owner = {"manufacturing": "he.tao", "logistics": "lin.xiao", "quality": pick(QUALITY),
                     "gm_office": "guo.hong", "finance": "ma.lin", "service": "zhang.wei",
                     "sales": "sun.li"}[sc["dept"]]
            due = cp["_proposed"].date() + timedelta(days=R.choice([10, 14, 21, 30]))
            verified = cp["_capa_verified"] + timedelta(days=0) if i == 0 else cp["_capa_verified"] - timedelta(days=1)
            verifier = pick([q for q in QUALITY if q != owner])
            entry = {"action": a, "owner": owner, "due": due, "status": "open"}
            if st == "closed" or (verified <= TODAY and not cp.get("_stalled")):
                entry.update(status="verified", verified_by=verifier, verified_at=min(verified, cp["_closed"]))
            elif verified - timedelta(days=2) <= TODAY and not cp.get("_stalled"):
                entry["status"] = "done"
            capas.append(entry)
        cp["capa"] = capas
    # result told to the customer
    if idx >= 4 or st == "not_established":
        cp["told_at"] = cp["_told"]
        cp["told_via"] = R.choice(["email", "email", "phone", "visit", "letter"])
        cp["resolution_letter"] = resolution_letter(cp, c)
        cp["result"] = result_text(cp)
    if st in ("closed", "not_established"):
        cp["closed_at"] = cp["_closed"]
    if st == "closed":
        cp["customer_accepted"] = not cp.get("_not_accepted", False)
        if cp.get("_waived"):
            cp["callback_waived"] = cp["_waived"]
    if reopen_of:
        cp["reopens"] = reopen_of["id"]
        cp["tags"] = ["重开"]
    tags = list(cp.get("tags") or [])
    if cp["severity"] in ("major", "critical") and kind == "q":
        tags.append("8D")
    if cp["defective_qty"] >= 500:
        tags.append("批量不良")
    if c["tier"] == "vip":
        tags.append("VIP")
    cp["tags"] = tags or None


def money(v: Decimal) -> str:
    return f"{scalar(v)} 元"


def resolution_letter(cp: dict, c: dict) -> str:
    res = cp["resolution"]
    dq = cp["defective_qty"]
    amt = money(cp["amount"]) if cp["amount"] is not None else ""
    plan = {
        "return": f"不良品共 {dq} 件由我司安排退货，退货运费由我司承担，合格品已于三个工作日内补发",
        "exchange": f"不良品 {dq} 件由我司免费换货，换货产品经 100% 检验后专车送达",
        "rework": f"由我司派员到贵司现场对该批次产品进行挑选返工，相关费用 {amt}由我司承担",
        "allowance": f"该批次货款折让 {amt}，在下月对账中扣减",
        "compensation": f"我司承担贵司挑选工时及相关损失共计 {amt}，在下月货款中抵扣",
        "repair": f"我司工程师已到现场完成维修调整，费用 {amt}由我司承担",
        "explanation": "我司已就本次问题向贵司作出书面说明，并已落实相应改进措施",
        "not_established": "",
    }[res]
    lines = [f"尊敬的{c['name']}：", ""]
    if res == "not_established":
        lines.append(f"关于贵司反映的“{cp['title']}”（我司编号 {cp['id']}），我司已会同贵司完成调查。"
                     f"{cp['_sc']['letter']}。")
    else:
        lines.append(f"关于贵司反映的“{cp['title']}”（我司编号 {cp['id']}），经我司调查确认，原因如下："
                     f"{cp['_sc']['cause'].split('；')[0].rstrip('。')}。")
        lines += ["", f"处理方案：{plan}。", "", f"改进措施：{cp['_sc']['cm'].split('；')[-1].rstrip('。')}。"]
    lines += ["", "对本次问题给贵司带来的不便，我们深表歉意，感谢贵司的理解与支持。如有任何疑问，请随时与我司客户服务部联系。",
              "", COMPANY + " 客户服务部", cp["_told"].date().isoformat()]
    return "\n".join(lines)


def result_text(cp: dict) -> str:
    res = cp["resolution"]
    if res == "not_established":
        return "已书面告知客户调查结论，客户确认问题非我司产品原因，同意按客诉不成立结案。"
    base = {
        "return": f"不良品 {cp['defective_qty']} 件已办理退货，合格品已补发。",
        "exchange": f"已完成换货 {cp['defective_qty']} 件。",
        "rework": "已派员到客户现场完成挑选返工。",
        "allowance": f"客户同意货款折让 {money(cp['amount'])}，财务已在对账单中扣减。",
        "compensation": f"客户同意赔偿 {money(cp['amount'])}，在货款中抵扣。",
        "repair": "现场维修调整完成，客户确认装配正常。",
        "explanation": "已向客户书面说明原因及改进措施，客户表示认可。",
    }[res]
    return base + R.choice(["处理结果函已发送客户对接人。", "客户对接人已签收处理结果函。", "已电话确认客户收到处理结果函。"])


def complaint_body(cp: dict, customers: dict) -> str:
    c = customers[cp["customer"]]
    sc = cp["_sc"]
    recv = cp["received_at"]
    chan = {"phone": "来电", "email": "来邮件", "visit": "到访", "letter": "来函", "web": "通过供应商门户",
            "on_site": "在现场"}[cp["channel"]]
    lines = ["## 客户反映", "",
             f"{recv.strftime('%Y-%m-%d %H:%M')}，{c['short_name']}{cp['reporter']}{chan}反映：{sc['detail']}。"
             f"涉及订单 {cp['order_no']}，料号 {cp['part_no']}，交运数量 {cp['quantity']}，不良数量 {cp['defective_qty']}。", ""]
    if cp["_reopen_of"]:
        lines += [f"本案为原客诉 {cp['_reopen_of']['id']} 的重开：{cp['_reopen_reason']}。原案保持结案状态，原处理表作为附件。", ""]
    lines += ["## 处理经过", ""]
    ev = [(recv, f"{NAME[cp['first_responder']]}受理（首问责任人），当日通知质量管理部与生产管理组。")]
    ev.append((datetime.combine(cp["registered_at"], datetime.min.time()) + timedelta(hours=17),
               f"生产管理组{NAME[GM_OFFICE[0]]}登记编号 {cp['id']}，列入客诉追踪表。"))
    if cp["severity"] in ("major", "critical"):
        ev.append((cp["received_at"] + timedelta(hours=2), "严重度为重大及以上，已即时报告总经理。"))
    for h in cp.get("handovers") or []:
        ev.append((h["at"], f"{NAME[h['from']]}书面交接给{NAME[h['to']]}：{h['note']}。"))
    if cp.get("replied_at"):
        ev.append((cp["replied_at"], "按承诺时间向客户作出初步答复。" if cp["replied_at"] <= cp["promised_reply_at"]
                   else "初步答复晚于承诺时间，已向客户致歉。"))
    if cp.get("on_hold"):
        ev.append((datetime.combine(cp["on_hold"][0]["from"], datetime.min.time()) + timedelta(hours=10),
                   "客户仍在加工中，退货数量与样品待客户确认，期限暂停计算。"))
    if cp.get("cause_analysis") and cp["status"] in ("investigating",):
        ev.append((cp["received_at"] + timedelta(days=1, hours=3), f"{NAME[pick(QUALITY)]}现场确认不良，开始原因调查。"))
    if cp.get("proposed_at"):
        ev.append((cp["proposed_at"] - timedelta(hours=R.randint(20, 30)), f"质量管理部{NAME[pick(QUALITY)]}提交调查报告。"))
        ev.append((cp["proposed_at"], f"{NAME[cp['proposed_by']]}提出处理方案：{RES_ZH[cp['resolution']]}"
                   + (f"，金额 {money(cp['amount'])}。" if cp.get("amount") else "。")))
    for a in cp.get("approvals") or []:
        role_zh = {"sales_manager": "业务经理", "deputy_gm": "副总经理", "gm": "总经理"}[a["role"]]
        ev.append((a["at"], f"{role_zh}{NAME[a['by']]}核决同意。"))
    if cp.get("told_at"):
        ev.append((cp["told_at"], "处理结果函发送客户。"))
    for x in cp.get("capa") or []:
        if x.get("verified_at"):
            ev.append((datetime.combine(x["verified_at"], datetime.min.time()) + timedelta(hours=16),
                       f"{NAME[x['verified_by']]}验证纠正措施“{x['action']}”有效。"))
    if cp.get("closed_at"):
        ev.append((datetime.combine(cp["closed_at"], datetime.min.time()) + timedelta(hours=17, minutes=30),
                   "结案。" if cp.get("customer_accepted", True) else "结案（客户未接受处理结果，另行开立新客诉）。"))
    for t, text in sorted(ev, key=lambda e: e[0]):
        lines.append(f"- {t.strftime('%Y-%m-%d')} {text}")
    lines += ["", "## 附件", ""]
    lines.append(f"- 不良品照片 {R.randint(3, 12)} 张（共享盘：客诉/{cp['received_at'].year}/{cp['id']}/）")
    if cp["_kind"] == "q":
        lines.append("- 质量管理部调查报告（8D）" if cp["severity"] in ("major", "critical") else "- 质量管理部调查报告")
    if cp["request"] and "compensation" in cp["request"]:
        lines.append("- 客户损失清单（客户提供）")
    if cp["status"] == "registered":
        lines.append("- 待补充：客户寄回的不良样品")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Callbacks
# --------------------------------------------------------------------------------------------

COMMENTS = {
    5: ["处理很及时，8D 报告也很专业，后续批次没有再出现问题。", "对处理速度很满意，业务员每天同步进展。",
        "补发的产品全部检验合格，感谢配合。", "产品质量稳定，服务响应快，继续保持。", "现场服务工程师很专业，问题当天解决。"],
    4: ["处理结果认可，希望首次答复能再快一些。", "整体满意，补货比预期晚了一天。", "问题已解决，建议出货报告附上关键尺寸实测数据。",
        "满意，希望今后交期变化能提前通知。", "产品使用正常，包装还可以再改进。"],
    3: ["处理结果可以接受，但前后沟通了三次才确认方案。", "补货及时，但挑选费用的结算比较慢。", "还需观察后续两三个批次的情况再评价。",
        "产品本身没问题，交期波动比较大。"],
    2: ["答复周期太长，产线等了将近一周。", "折让金额低于预期，对处理结果不太满意。", "同类问题半年内第二次发生，希望彻底整改。",
        "现场挑选人员到得太晚，影响了当天排产。"],
    1: ["问题反复出现，已影响对贵司的供应商评级。", "对处理结果不认可，要求重新评估损失。", "多次催问才有回复，非常不满意。"],
}
NEEDS = ["明年预计新增两款支架类零件，3 月前提供图纸报价。", "明年采购量预计增长约 15%，希望锁定年度价格。",
         "计划导入第二供应商，希望我司在交期上更有竞争力。", "明年有新能源项目启动，需要提前评估铝件产能。",
         "需求与今年基本持平，关注原材料价格波动。", "希望明年开展一次联合质量改进项目。"]


def attempt_times(start: date, n: int) -> list[datetime]:
    """n attempts on different days and at different times of day (上午、下午、傍晚)."""
    slots = [(9, 11.5), (13.5, 17), (18, 19.5)]
    R.shuffle(slots)
    out = []
    d = start
    for i in range(n):
        d = workday_on_or_after(d)
        lo, hi = slots[i % 3]
        out.append(at(d, lo, hi))
        d = d + timedelta(days=R.randint(1, 2))
    return out


def make_callback(customers, cust, kind, due, *, complaint=None, note=None, project=None, status=None,
                  done_at=None, score=None, comment=None, follow_up=None, follow_up_complaint=None,
                  assigned=None) -> dict:
    # who the callback is assigned to follows svcnotes' own conventions: the complaint's owner,
    # the on-site note's author, else the account owner
    assigned = assigned or customers[cust]["account_owner"]
    cb = dict(customer=cust, complaint=complaint, note=note, project=project, kind=kind, due=due,
              assigned_to=assigned)
    if status is None:
        if due > TODAY:
            status = "scheduled"
        elif due >= TODAY - timedelta(days=2):
            status = R.choice(["scheduled", "done"])
        else:
            status = R.choices(["done", "unreachable", "missed", "cancelled"], [79, 11, 5, 5])[0]
    cb["status"] = status
    if status == "done":
        if done_at is None:
            d = due + timedelta(days=R.choice([-3, -2, -1, 0, 0, 0, 1, 2, 4]))
            d = min(workday_on_or_after(d), TODAY)
            done_at = at(d, 9, 17.5)
            if done_at > NOW:
                done_at = NOW - timedelta(hours=1)
        attempts = []
        if R.random() < 0.3:
            t0 = done_at - timedelta(days=1, hours=R.randint(0, 3))
            attempts.append({"at": t0, "by": assigned, "result": R.choice(["no_answer", "busy"]), "note": None})
        conducted = assigned if R.random() < 0.6 else pick([r for r in REPS if r != assigned])
        attempts.append({"at": done_at, "by": conducted, "result": "reached", "note": None})
        cb["attempts"] = attempts
        cb["conducted_by"] = conducted
        cb["done_at"] = done_at
        cb["channel"] = R.choices(["phone", "visit", "email"], [80, 12, 8])[0]
        if kind != "annual_needs" or R.random() < 0.5:
            s = score or R.choices([5, 4, 3, 2, 1], [52, 36, 8, 3, 1])[0]
            cb["satisfaction"] = s
            if comment:
                cb["comments"] = comment
            elif s <= 2 or R.random() < 0.75:
                cb["comments"] = pick(COMMENTS[s])
            if kind == "annual_needs":
                cb["comments"] = pick(NEEDS) + (" " + cb["comments"] if cb.get("comments") else "")
        elif kind == "annual_needs":
            cb["comments"] = pick(NEEDS)
        fu = follow_up if follow_up is not None else (cb.get("satisfaction", 5) <= 2)
        cb["follow_up"] = fu
        cb["follow_up_complaint"] = follow_up_complaint
    elif status == "unreachable":
        n = R.choice([3, 3, 4])
        times = attempt_times(due - timedelta(days=1), n)
        times = [t for t in times if t <= NOW] or [at(TODAY - timedelta(days=3), 9, 11)]
        if len(times) < 3:
            times = attempt_times(due - timedelta(days=8), 3)
        other = pick([r for r in REPS if r != assigned])
        people = [assigned, other, other, other]  # someone else keeps trying at other times of day
        cb["attempts"] = [{"at": t, "by": people[i], "result": R.choice(["no_answer", "no_answer", "busy"]),
                           "note": ["对接人手机无人接听", "总机转接无人应答", "占线", "已发短信请其回电", "已发邮件说明回访事由"][i % 5]
                           if R.random() < 0.6 else None}
                          for i, t in enumerate(times)]
    elif status == "missed":
        cb["attempts"] = None
    elif status == "cancelled":
        cb["cancel_reason"] = R.choice(["与客户经理季度拜访合并进行", "客户要求改为年度集中回访", "客户对接人变更，待确认新联系人后重新安排",
                                        "客户停产检修，本期回访取消"])
    elif status == "scheduled":
        if due <= TODAY + timedelta(days=1) and R.random() < 0.4:
            t = at(min(due, TODAY) - timedelta(days=1) if due > TODAY - timedelta(days=5) else TODAY - timedelta(days=1), 9, 16)
            if t <= NOW:
                cb["attempts"] = [{"at": t, "by": assigned, "result": "no_answer", "note": "稍后再联系"}]
    return cb


def build_callbacks(customers: dict, cps: list[dict], notes: list[dict]) -> list[dict]:
    cbs = []
    by_id = {cp["id"]: cp for cp in cps}
    # post_resolution: one per complaint told the result (resolved or closed), due 7 days after told_at
    for cp in cps:
        if cp["status"] not in ("resolved", "closed") or cp.get("callback_waived"):
            continue
        due = cp["told_at"].date() + timedelta(days=7)
        if cp["status"] == "closed":
            if cp.get("_not_accepted"):
                rc = cp["_reopened_by"]
                s = R.choice([1, 2])
                cb = make_callback(customers, cp["customer"], "post_resolution", due, complaint=cp["id"], assigned=cp["owner"],
                                   status="done", done_at=cp["_cb_done"], score=s,
                                   comment=f"客户不接受处理结果：{rc['_reopen_reason']}。", follow_up=True,
                                   follow_up_complaint=rc["id"])
            else:
                cb = make_callback(customers, cp["customer"], "post_resolution", due, complaint=cp["id"], assigned=cp["owner"],
                                   status="done", done_at=cp["_cb_done"])
        else:  # resolved
            if cp.get("_stalled"):
                st = R.choice(["unreachable", "missed"]) if due <= TODAY else "scheduled"
                if cp["id"] == min(c["id"] for c in cps if c.get("_stalled") and c["status"] == "resolved"):
                    st = "unreachable"
                cb = make_callback(customers, cp["customer"], "post_resolution", due, complaint=cp["id"], assigned=cp["owner"], status=st)
            elif cp["_cb_done"] <= NOW:
                s = R.choices([5, 4, 3], [50, 40, 10])[0]
                cb = make_callback(customers, cp["customer"], "post_resolution", due, complaint=cp["id"], assigned=cp["owner"],
                                   status="done", done_at=cp["_cb_done"], score=s)
            else:
                cb = make_callback(customers, cp["customer"], "post_resolution", due, complaint=cp["id"], assigned=cp["owner"],
                                   status="scheduled")
        cbs.append(cb)
    # periodic: monthly in a project's first year, quarterly after
    for slug, c in customers.items():
        for p in c.get("projects") or []:
            d0 = p["delivered_on"]
            dues = [add_months(d0, k) for k in range(1, 13)] + [add_months(d0, 12 + 3 * k) for k in range(1, 20)]
            future_done = False
            for due in dues:
                if due < START:
                    continue
                if due > TODAY:
                    if future_done or due > date(2026, 12, 31):
                        break
                    future_done = True
                cbs.append(make_callback(customers, slug, "periodic", due, project=p["name"]))
    # annual needs (新需求管理): every customer, the whole of December is the window (due on the 31st)
    for slug, c in customers.items():
        st = R.choices(["done", "unreachable", "missed"], [23, 1, 1])[0]
        done = at(workday_on_or_after(date(2025, 12, R.randint(3, 29))), 9, 17) if st == "done" else None
        cbs.append(make_callback(customers, slug, "annual_needs", date(2025, 12, 31), status=st, done_at=done))
        cbs.append(make_callback(customers, slug, "annual_needs", date(2026, 12, 31), status="scheduled"))
    # satisfaction survey (mid-year, key and vip customers; plus a few normal ones)
    survey = [s for s, c in customers.items() if c["tier"] != "normal"]
    for slug in survey:
        d = workday_on_or_after(date(2026, 6, R.randint(8, 26)))
        cbs.append(make_callback(customers, slug, "satisfaction_survey", d))
    # post_service: a week after every on-site job
    for n in notes:
        if n["kind"] == "on_site" and n.get("customer"):
            due = n["at"].date() + timedelta(days=7)
            cbs.append(make_callback(customers, n["customer"], "post_service", due, note=n["_key"],
                                     complaint=n.get("complaint"), assigned=n["author"]))
    # callbacks that raised a new complaint (follow_up_complaint)
    candidates = [cp for cp in cps if not cp["_reopen_of"] and cp["channel"] == "phone"
                  and START + timedelta(days=20) < cp["received_at"].date() < TODAY - timedelta(days=5)]
    R.shuffle(candidates)
    for cp in candidates[:3]:
        d = cp["received_at"] - timedelta(days=R.randint(1, 3))
        d = at(workday_on_or_after(d.date()), 9, 11)
        if d >= cp["received_at"]:
            continue
        cb = make_callback(customers, cp["customer"], "satisfaction_survey", d.date(), status="done", done_at=d,
                           score=R.choice([2, 3]), comment=f"客户在回访中提到：{cp['_sc']['detail']}，已转客诉受理。",
                           follow_up=True, follow_up_complaint=cp["id"])
        cbs.append(cb)
    # numbering: CB-YYMM-NNN from the due month
    cbs.sort(key=lambda cb: (cb["due"], cb["customer"], cb["kind"]))
    serial: dict[str, int] = defaultdict(int)
    for cb in cbs:
        ym = cb["due"].strftime("%y%m")
        serial[ym] += 1
        cb["id"] = f"CB-{ym}-{serial[ym]:03d}"
    return cbs


def callback_body(cb: dict, customers: dict, by_id: dict) -> str:
    c = customers[cb["customer"]]
    kind_zh = {"post_service": "服务后回访", "post_resolution": "客诉结案回访", "periodic": "项目定期回访",
               "satisfaction_survey": "满意度调查", "annual_needs": "年度需求访谈"}[cb["kind"]]
    lines = [f"## {kind_zh}", ""]
    if cb.get("complaint"):
        cp = by_id[cb["complaint"]]
        lines.append(f"关联客诉 {cp['id']}：{cp['title']}。")
    if cb.get("project"):
        lines.append(f"项目：{cb['project']}。")
    lines.append(f"应回访日期 {cb['due'].isoformat()}，回访人 {NAME[cb['assigned_to']]}。")
    lines.append("")
    st = cb["status"]
    if st == "scheduled":
        lines += ["## 回访提纲", ""]
        items = {
            "post_resolution": ["处理后的批次使用是否正常", "对处理方式与处理速度的评价", "是否还有未解决的问题"],
            "post_service": ["现场服务后产品使用情况", "服务人员的专业性与态度", "是否需要再次到现场"],
            "periodic": ["项目产品近期质量表现", "交付及包装是否满足要求", "下阶段需求与变更计划"],
            "satisfaction_survey": ["质量、交期、服务、价格四项评分", "最需要改进的一项", "其他建议"],
            "annual_needs": ["明年产品需求与预计采购量", "新项目与新料号计划", "对我司的期望与改进建议"],
        }[cb["kind"]]
        lines += [f"- {x}" for x in items]
    elif st == "done":
        lines += ["## 回访记录", ""]
        who = pick(c["contacts"])
        lines.append(f"- 受访人：{who['name']}（{who['role']}）")
        lines.append(f"- 方式：{ {'phone': '电话', 'visit': '上门', 'email': '邮件'}.get(cb['channel'], '电话') }")
        if cb.get("satisfaction"):
            lines.append(f"- 满意度：{cb['satisfaction']} 分")
        if cb.get("comments"):
            lines.append(f"- 客户意见：{cb['comments']}")
        if cb.get("follow_up"):
            lines += ["", "## 跟进", ""]
            if cb.get("follow_up_complaint"):
                lines.append(f"已按客诉流程受理，见 {cb['follow_up_complaint']}。")
            else:
                lines.append(f"已将客户意见反馈给客户经理{NAME[c['account_owner']]}，一周内再次联系客户确认改进情况。")
    elif st == "unreachable":
        n = len(cb.get("attempts") or [])
        lines += ["## 联系情况", "",
                  f"共联系 {n} 次，分别在上午、下午和傍晚不同时间段拨打，均未联系上客户对接人。",
                  "已发送短信及邮件说明回访事由，并请客户经理协助联系其他对接人。"]
    elif st == "missed":
        lines += ["## 说明", "", "应回访日期已过，未能按期回访（回访人当周在外出差，未做交接）。已列入回访合规统计，需补做回访。"]
    elif st == "cancelled":
        lines += ["## 说明", "", f"取消原因：{cb['cancel_reason']}。"]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Service notes
# --------------------------------------------------------------------------------------------


def in_agreement(c: dict, d: date) -> bool:
    return c["agreement_start"] <= d <= c["agreement_end"]


def build_notes(customers: dict, cps: list[dict]) -> list[dict]:
    notes = []
    phone_cps = [cp for cp in cps if cp["channel"] == "phone"]
    R.shuffle(phone_cps)
    for cp in phone_cps[:14]:
        notes.append(dict(kind="call_in", at=cp["received_at"], author=cp["first_responder"], customer=cp["customer"],
                          complaint=cp["id"], summary=f"客户来电反映{cp['_sc']['title']}",
                          _body=note_call_in(cp, customers)))
    # on-site jobs for complaints: confirm defects and sort at the customer
    onsite = [cp for cp in cps if cp["_kind"] in "qx" and cp["status"] != "registered"
              and cp["received_at"] + timedelta(days=2) < NOW]
    R.shuffle(onsite)
    for cp in onsite[:8]:
        t = later(cp["received_at"], 1, 2, 9, 15)
        if cp.get("proposed_at") and t >= cp["proposed_at"]:
            t = cp["proposed_at"] - timedelta(hours=20)
        if t <= cp["received_at"]:
            t = cp["received_at"] + timedelta(hours=2)
        if t > NOW:
            continue
        c = customers[cp["customer"]]
        notes.append(dict(kind="on_site", at=t, author=pick(REPS + QUALITY), customer=cp["customer"], complaint=cp["id"],
                          summary=f"到客户现场确认{cp['_sc']['title']}并协助挑选",
                          billable=not in_agreement(c, t.date()), _body=note_on_site(cp, c, t)))
    # on-site service jobs without complaint
    jobs = ["新产线装配工装调试指导", "产品安装扭矩培训", "来料检验方法对标", "新料号首批装配跟线", "包装方案现场确认"]
    for job in jobs:
        slug = pick(list(customers))
        c = customers[slug]
        d = workday_on_or_after(START + timedelta(days=R.randint(20, 340)))
        t = at(d, 9, 14)
        notes.append(dict(kind="on_site", at=t, author=pick(REPS), customer=slug, summary=job,
                          billable=not in_agreement(c, d), _body=note_service_job(job, c, t)))
    # expired agreement customer on-site: billable, told in advance
    exp = [s for s, c in customers.items() if c["agreement_end"] < TODAY - timedelta(days=60)]
    for slug in exp[:2]:
        c = customers[slug]
        d = workday_on_or_after(c["agreement_end"] + timedelta(days=R.randint(20, 50)))
        t = at(d, 9, 14)
        notes.append(dict(kind="on_site", at=t, author=pick(REPS), customer=slug, summary="协议期外现场服务：冲压件装配问题排查",
                          billable=True, _body=note_service_job("冲压件装配问题排查", c, t, charged=True)))
    # visits
    vip_key = [s for s, c in customers.items() if c["tier"] != "normal"]
    for i in range(9):
        slug = vip_key[i % len(vip_key)]
        c = customers[slug]
        d = workday_on_or_after(START + timedelta(days=R.randint(10, 350)))
        t = at(d, 9.5, 15)
        inbound = i % 3 == 2
        notes.append(dict(kind="visit", at=t, author=c["account_owner"], customer=slug,
                          summary="客户来厂审核" if inbound else "季度客户拜访",
                          billable=False, _body=note_visit(c, t, inbound)))
    # call_out
    for cp in R.sample([cp for cp in cps if cp.get("replied_at")], 8):
        t = cp["replied_at"]
        notes.append(dict(kind="call_out", at=t, author=cp["owner"], customer=cp["customer"], complaint=cp["id"],
                          summary=f"致电客户答复{cp['id']}处理进度", _body=note_call_out(cp)))
    # e-mails
    for cp in R.sample([cp for cp in cps if cp.get("told_at") and cp["_kind"] == "q"], 7):
        t = cp["told_at"]
        notes.append(dict(kind="email", at=t, author=cp["owner"], customer=cp["customer"], complaint=cp["id"],
                          summary=f"发送{cp['id']}处理结果函及调查报告", _body=note_email(cp, customers)))
    # shift hand-overs
    hand_days = [date(2026, 1, 30), date(2026, 2, 13), date(2026, 4, 30), date(2026, 6, 18), date(2026, 8, 14),
                 date(2026, 9, 30), date(2026, 10, 30), date(2026, 11, 13), date(2026, 11, 20)]
    for d in hand_days:
        t = datetime.combine(d, datetime.min.time()) + timedelta(hours=17, minutes=R.choice([20, 30, 40]))
        open_cps = [cp for cp in cps if cp["received_at"] < t and (not cp.get("closed_at") or cp["closed_at"] > d)]
        open_cps = sorted(open_cps, key=lambda cp: cp["received_at"])[-5:]
        issues = [f"{cp['id']} {customers[cp['customer']]['short_name']} {cp['_sc']['title']}：" +
                  R.choice(["等待质量管理部调查报告", "待核决后告知客户", "客户要求尽快答复进度，需主动致电", "补货安排待物流确认",
                            "回访未接通，请换时段再联系"]) for cp in open_cps]
        author = pick(REPS)
        notes.append(dict(kind="handover", at=t, author=author, summary="交班记录：" + ("节前交接" if d.month in (1, 2, 4, 6, 9) else "周五交接"),
                          open_issues=issues or ["无未结事项"], _body=note_handover(author, issues, t)))
    notes.sort(key=lambda n: n["at"])
    serial: dict[str, int] = defaultdict(int)
    for i, n in enumerate(notes):
        ym = n["at"].strftime("%y%m")
        serial[ym] += 1
        n["id"] = f"N-{ym}-{serial[ym]:03d}"
        n["_key"] = n["id"]
    return notes


def note_call_in(cp, customers) -> str:
    c = customers[cp["customer"]]
    return "\n".join([
        "## 来电内容", "",
        f"{c['short_name']}{cp['reporter']}来电：{cp['_sc']['detail']}。",
        f"订单 {cp['order_no']}，料号 {cp['part_no']}，不良 {cp['defective_qty']} 件。", "",
        "## 处理", "",
        "- 已确认订单、料号、数量及交运日期，登记客诉。",
        f"- 客户要求：{'、'.join(RES_ZH.get(r, r) for r in cp['request'])}。",
        "- 已告知客户将在承诺时间内答复，请客户保留不良品及包装标签。",
    ])


def note_on_site(cp, c, t) -> str:
    lines = ["## 现场情况", "",
             f"到{c['short_name']}现场，与{cp['reporter']}共同确认不良：{cp['_sc']['detail']}。", "",
             "## 处理", "",
             f"- 抽查在库品 {R.choice([200, 300, 500, 800])} 件，确认不良集中在同一批次。",
             "- 协助客户隔离可疑品并做标识，取样 10 件带回质量管理部分析。",
             "- 与客户约定处理方案答复时间。"]
    if not in_agreement(c, t.date()):
        lines += ["", "> 客户服务协议已到期，出发前已告知客户本次现场服务按收费标准执行。"]
    return "\n".join(lines)


def note_service_job(job, c, t, charged=False) -> str:
    lines = ["## 服务内容", "", f"应{c['short_name']}要求到现场进行{job}。", "",
             "## 完成情况", "",
             "- 现场讲解作业要点并示范，客户操作人员已能独立完成。",
             "- 留下作业指导书一份，约定一周后电话回访。"]
    if charged or not in_agreement(c, t.date()):
        lines += ["", f"> 客户服务协议已于 {c['agreement_end'].isoformat()} 到期，出发前已向客户说明本次服务收费，客户同意。"]
    return "\n".join(lines)


def note_visit(c, t, inbound) -> str:
    if inbound:
        return "\n".join(["## 来访", "", f"{c['short_name']}质量部一行三人来厂进行过程审核。", "",
                          "## 审核关注点", "", "- 冲压与热处理过程控制记录", "- 出货检验与追溯", "- 客诉纠正措施落实情况", "",
                          "## 结论", "", "审核总体通过，提出两项观察项，质量管理部两周内回复。"])
    return "\n".join(["## 拜访内容", "", f"按个性化服务计划拜访{c['short_name']}采购与质量部门。", "",
                      "## 客户反馈", "", "- 近期来料质量稳定，交期基本准时。", "- 关注原材料价格与下季度排产。", "",
                      "## 待办", "", "- 下季度预测订单发业务部评估产能。"])


def note_call_out(cp) -> str:
    return "\n".join(["## 通话内容", "", f"致电{cp['reporter']}，通报 {cp['id']} 的调查进展与下一步安排。", "",
                      "## 客户意见", "", R.choice(["客户表示理解，等待正式处理方案。", "客户希望尽快补货，已转生产管理组评估。",
                                                   "客户要求处理方案书面发送，已确认邮箱。"])])


def note_email(cp, customers) -> str:
    return "\n".join(["## 邮件", "", f"收件人：{cp['reporter']}（{customers[cp['customer']]['short_name']}）", "",
                      f"附件：处理结果函、质量管理部调查报告（{cp['id']}）。", "",
                      "已请客户确认收到，并约定一周内电话回访。"])


def note_handover(author, issues, t) -> str:
    lines = ["## 交接事项", ""]
    lines += [f"- {x}" for x in issues] or ["- 无"]
    lines += ["", "## 今日完成", "", "- 当日来电均已登记并答复。", "- 到期回访已完成，未接通的已改时段重拨。", "",
              f"交班人：{NAME[author]}，接班人请在下一工作日上午 9:00 前确认以上事项。"]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# svcnotes.toml
# --------------------------------------------------------------------------------------------


def toml_config() -> str:
    q = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731 - TOML basic strings share JSON escaping
    out = [
        "# svcnotes configuration for the bundled demo repository (generated by bench/demo_data.py).",
        "# 演示数据：苏州精工金属制品有限公司 客户服务部。演示“今天”为 2026-11-23。",
        "",
        "[organisation]",
        f"name = {q(ORG)}",
        'locale = "zh-CN"',
        "",
        "[ids]",
        'complaint_prefix = "C"',
        'callback_prefix = "CB"',
        'note_prefix = "N"',
        "",
        "# 部门：责任归属 responsible_dept 取这些代号",
        "[departments]",
    ]
    for k, (zh, en) in DEPARTMENTS.items():
        out.append(f"{k} = {{ zh = {q(zh)}, en = {q(en)} }}")
    out += ["", "[complaints]", 'currency = "CNY"', "", "[complaints.categories]"]
    for k, (zh, en) in CATEGORIES.items():
        out.append(f"{k} = {{ zh = {q(zh)}, en = {q(en)} }}")
    out += ["", "# 核决权限：≤5000 业务经理，≤50000 副总经理，以上总经理；严重度 critical 一律总经理核决",
            "[approval]", 'critical_role = "gm"', "signed = false", ""]
    for role, cap in (("sales_manager", 5000), ("deputy_gm", 50000), ("gm", None)):
        out.append("[[approval.levels]]")
        out.append(f'role = "{role}"')
        if cap is not None:
            out.append(f"max_amount = {cap}")
        out.append("")
    out += ["# 处理期限：自登记日起 15 天结案（目标），20 天为上限，逾期上报总经理室",
            "[deadlines]", "target_days = 15", "limit_days = 20",
            "working_days = false  # 改为 true 则按下方工作日历计算", "pause_on_hold = true", "due_soon_days = 3", "",
            "[deadlines.severity.critical]", "target_days = 10", "limit_days = 15", "",
            "# 2026 年法定节假日与调休上班日",
            "[calendar]", "weekend = [6, 7]", "holidays = ["]
    for name, days in HOLIDAY_GROUPS:
        out.append(f"  {', '.join(d.isoformat() for d in days)},  # {name}")
    out.append("]")
    out.append("extra_working_days = [" + ", ".join(d.isoformat() for d in EXTRA_WORKING) + "]  # 调休上班")
    out += ["", "[callbacks]", "after_resolution_days = 7", "after_service_days = 7", "unreachable_after = 3",
            "annual_needs_month = 12", "",
            "[targets]", "callback_completion = 1.0", "satisfaction = 0.85", "rework_rate = 0.05",
            "valid_complaint_rate = 0.01", "",
            "# 服务禁用语：答复客户内容与处理结果函中不得出现",
            "[conduct]", "forbidden_phrases = ["]
    for p in FORBIDDEN:
        out.append(f"  {q(p)},")
    out += ["]", "", "# 人员名录：id 用于记录中的 first_responder、approvals.by 等字段；emails 用于识别 git 提交人"]
    for sid, name, dept, roles, title in STAFF:
        out += ["", f"[[staff]]  # {title}", f'id = "{sid}"', f"name = {q(name)}", f'department = "{dept}"',
                "roles = [" + ", ".join(f'"{r}"' for r in roles) + "]",
                f'emails = ["{sid}@example.com"]']
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def volumes_csv(cps: list[dict], notes: list[dict]) -> str:
    """records/volumes.csv: shipments and deliveries per month from 2025-12 (this month's so far, as
    logistics reports them weekly), and service jobs: the month's on-site notes plus jobs done
    without a note."""
    on_site: dict[str, int] = defaultdict(int)
    for n in notes:
        if n["kind"] == "on_site":
            on_site[n["at"].strftime("%Y-%m")] += 1
    lines = ["month,shipments,deliveries,service_jobs"]
    d = START
    while (d.year, d.month) <= (TODAY.year, TODAY.month):
        label = d.strftime("%Y-%m")
        share = TODAY.day / calendar.monthrange(d.year, d.month)[1] if (d.year, d.month) == (TODAY.year, TODAY.month) else 1
        shipments = round((Q.randint(1450, 1900) - (500 if d.month == 2 else 0)) * share)  # February: Spring Festival
        deliveries = shipments - round(Q.randint(20, 90) * share)
        jobs = on_site[label] + round(Q.randint(30, 55) * share)
        lines.append(f"{label},{shipments},{deliveries},{jobs}")
        d = add_months(d, 1)
    return "\n".join(lines) + "\n"


def public(d: dict) -> dict:
    return {k: v for k, v in d.items() if not k.startswith("_")}


def generate(root: Path) -> dict[str, int]:
    customers = build_customers()
    cps = build_complaints(customers)
    for cp in cps:
        finish_complaint(cp, customers)
    notes = build_notes(customers, cps)
    cbs = build_callbacks(customers, cps, notes)
    by_id = {cp["id"]: cp for cp in cps}

    rec = root / "records"
    if rec.exists():
        shutil.rmtree(rec)
    files: dict[Path, str] = {}
    for slug, c in customers.items():
        mine = [cp for cp in cps if cp["customer"] == slug]
        files[rec / "customers" / f"{slug}.md"] = render("customer", c, customer_body(c, mine))
    for cp in cps:
        body = complaint_body(cp, customers)
        files[rec / "complaints" / str(cp["received_at"].year) / f"{cp['id']}.md"] = render("complaint", public(cp), body)
    for cb in cbs:
        body = callback_body(cb, customers, by_id)
        files[rec / "callbacks" / str(cb["due"].year) / f"{cb['id']}.md"] = render("callback", public(cb), body)
    for n in notes:
        files[rec / "notes" / str(n["at"].year) / f"{n['id']}.md"] = render("note", public(n), n["_body"])
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (rec / "volumes.csv").write_text(volumes_csv(cps, notes), encoding="utf-8")
    (root / "svcnotes.toml").write_text(toml_config(), encoding="utf-8")
    return {"customers": len(customers), "complaints": len(cps), "callbacks": len(cbs), "notes": len(notes)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                    help="repository root to write svcnotes.toml and records/ into")
    args = ap.parse_args()
    counts = generate(args.root)
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
