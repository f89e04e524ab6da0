//! Static tables the demo seeder draws from: Loudi's units, course titles, names.

use crate::rules::catalog::Category::{self, *};
use crate::rules::catalog::Source;
use crate::rules::credits::CourseKind::{self, Elective, Required};

/// A top-level unit (county-level division or city-level unit) with its second-level bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitSeed {
    /// Stable unit code.
    pub code: &'static str,
    /// Official name in Chinese.
    pub name: &'static str,
    /// Second-level bodies as (code, name).
    pub children: &'static [(&'static str, &'static str)],
}

/// Loudi's seven county-level divisions, each with its second-level bodies.
pub const COUNTIES: &[UnitSeed] = &[
    UnitSeed {
        code: "LX",
        name: "娄星区",
        children: &[
            ("LX01", "娄星区委组织部"),
            ("LX02", "娄星区人民政府办公室"),
            ("LX03", "娄星区教育局"),
            ("LX04", "乐坪街道办事处"),
            ("LX05", "大科街道办事处"),
            ("LX06", "花山街道办事处"),
            ("LX07", "杉山镇人民政府"),
            ("LX08", "石井镇人民政府"),
        ],
    },
    UnitSeed {
        code: "LSJ",
        name: "冷水江市",
        children: &[
            ("LSJ01", "冷水江市委组织部"),
            ("LSJ02", "冷水江市人民政府办公室"),
            ("LSJ03", "冷水江市发展和改革局"),
            ("LSJ04", "冷水江街道办事处"),
            ("LSJ05", "锡矿山街道办事处"),
            ("LSJ06", "布溪街道办事处"),
            ("LSJ07", "禾青镇人民政府"),
            ("LSJ08", "渣渡镇人民政府"),
        ],
    },
    UnitSeed {
        code: "LY",
        name: "涟源市",
        children: &[
            ("LY01", "涟源市委组织部"),
            ("LY02", "涟源市人民政府办公室"),
            ("LY03", "涟源市财政局"),
            ("LY04", "蓝田街道办事处"),
            ("LY05", "湄江镇人民政府"),
            ("LY06", "杨市镇人民政府"),
            ("LY07", "桥头河镇人民政府"),
            ("LY08", "龙塘镇人民政府"),
        ],
    },
    UnitSeed {
        code: "SF",
        name: "双峰县",
        children: &[
            ("SF01", "双峰县委组织部"),
            ("SF02", "双峰县人民政府办公室"),
            ("SF03", "双峰县农业农村局"),
            ("SF04", "永丰街道办事处"),
            ("SF05", "荷叶镇人民政府"),
            ("SF06", "井字镇人民政府"),
            ("SF07", "梓门桥镇人民政府"),
            ("SF08", "青树坪镇人民政府"),
        ],
    },
    UnitSeed {
        code: "XH",
        name: "新化县",
        children: &[
            ("XH01", "新化县委组织部"),
            ("XH02", "新化县人民政府办公室"),
            ("XH03", "新化县文化旅游广电体育局"),
            ("XH04", "上梅街道办事处"),
            ("XH05", "枫林街道办事处"),
            ("XH06", "水车镇人民政府"),
            ("XH07", "奉家镇人民政府"),
            ("XH08", "洋溪镇人民政府"),
        ],
    },
    UnitSeed {
        code: "JKQ",
        name: "娄底经济技术开发区",
        children: &[
            ("JKQ01", "娄底经开区党工委办公室"),
            ("JKQ02", "娄底经开区管委会办公室"),
            ("JKQ03", "娄底经开区党群工作部"),
            ("JKQ04", "娄底经开区经济发展局"),
            ("JKQ05", "娄底经开区规划建设局"),
            ("JKQ06", "娄底经开区财政局"),
        ],
    },
    UnitSeed {
        code: "WBXQ",
        name: "万宝新区",
        children: &[
            ("WBXQ01", "万宝新区党工委办公室"),
            ("WBXQ02", "万宝新区管委会办公室"),
            ("WBXQ03", "万宝新区组织人事部"),
            ("WBXQ04", "万宝新区规划建设局"),
            ("WBXQ05", "万宝镇人民政府"),
        ],
    },
];

/// City-level units (市直单位), codes SZ01..SZ30, each with up to five second-level bodies.
pub const CITY_UNITS: &[UnitSeed] = &[
    UnitSeed {
        code: "SZ01",
        name: "市委办公室",
        children: &[("SZ0101", "市委督查室"), ("SZ0102", "市委机要保密局")],
    },
    UnitSeed {
        code: "SZ02",
        name: "市委组织部",
        children: &[
            ("SZ0201", "市委组织部组织科"),
            ("SZ0202", "市委组织部干部一科"),
            ("SZ0203", "市委党员教育中心"),
            ("SZ0204", "市干部网络学院"),
        ],
    },
    UnitSeed {
        code: "SZ03",
        name: "市委宣传部",
        children: &[
            ("SZ0301", "市委宣传部理论科"),
            ("SZ0302", "市新时代文明实践指导中心"),
            ("SZ0303", "娄底日报社"),
        ],
    },
    UnitSeed {
        code: "SZ04",
        name: "市发展和改革委员会",
        children: &[
            ("SZ0401", "市价格认证中心"),
            ("SZ0402", "市重点建设项目事务中心"),
        ],
    },
    UnitSeed {
        code: "SZ05",
        name: "市财政局",
        children: &[
            ("SZ0501", "市国库集中支付中心"),
            ("SZ0502", "市财政局预算科"),
            ("SZ0503", "市财政投资评审中心"),
            ("SZ0504", "市非税收入征收管理中心"),
        ],
    },
    UnitSeed {
        code: "SZ06",
        name: "市教育局",
        children: &[
            ("SZ0601", "娄底一中"),
            ("SZ0602", "娄底二中"),
            ("SZ0603", "娄底三中"),
            ("SZ0604", "娄底五中"),
            ("SZ0605", "市教育科学研究院"),
        ],
    },
    UnitSeed {
        code: "SZ07",
        name: "市公安局",
        children: &[
            ("SZ0701", "市公安局娄星分局"),
            ("SZ0702", "市公安局交通警察支队"),
            ("SZ0703", "市公安局刑事侦查支队"),
            ("SZ0704", "市公安局经济技术开发区分局"),
        ],
    },
    UnitSeed {
        code: "SZ08",
        name: "市卫生健康委员会",
        children: &[
            ("SZ0801", "市疾病预防控制中心"),
            ("SZ0802", "市妇幼保健院"),
            ("SZ0803", "市卫生健康综合监督执法支队"),
        ],
    },
    UnitSeed {
        code: "SZ09",
        name: "市自然资源和规划局",
        children: &[
            ("SZ0901", "市自然资源和规划局娄星分局"),
            ("SZ0902", "市不动产登记中心"),
            ("SZ0903", "市自然资源执法监察支队"),
        ],
    },
    UnitSeed {
        code: "SZ10",
        name: "市住房和城乡建设局",
        children: &[
            ("SZ1001", "市建设工程质量安全监督站"),
            ("SZ1002", "市房地产事务中心"),
        ],
    },
    UnitSeed {
        code: "SZ11",
        name: "市交通运输局",
        children: &[
            ("SZ1101", "市公路建设养护中心"),
            ("SZ1102", "市交通运输综合行政执法支队"),
            ("SZ1103", "市道路运输服务中心"),
        ],
    },
    UnitSeed {
        code: "SZ12",
        name: "市农业农村局",
        children: &[
            ("SZ1201", "市农业科学研究所"),
            ("SZ1202", "市畜牧水产事务中心"),
            ("SZ1203", "市农业综合行政执法支队"),
        ],
    },
    UnitSeed {
        code: "SZ13",
        name: "市水利局",
        children: &[
            ("SZ1301", "市水旱灾害防御事务中心"),
            ("SZ1302", "市水利工程建设服务中心"),
        ],
    },
    UnitSeed {
        code: "SZ14",
        name: "市商务局",
        children: &[],
    },
    UnitSeed {
        code: "SZ15",
        name: "市文化旅游广电局",
        children: &[
            ("SZ1501", "娄底广播电视台"),
            ("SZ1502", "市图书馆"),
            ("SZ1503", "市博物馆"),
            ("SZ1504", "市群众艺术馆"),
        ],
    },
    UnitSeed {
        code: "SZ16",
        name: "市人力资源和社会保障局",
        children: &[
            ("SZ1601", "市就业服务中心"),
            ("SZ1602", "市社会保险服务中心"),
            ("SZ1603", "市劳动人事争议仲裁院"),
        ],
    },
    UnitSeed {
        code: "SZ17",
        name: "市生态环境局",
        children: &[
            ("SZ1701", "市生态环境局娄星分局"),
            ("SZ1702", "市生态环境监测中心"),
            ("SZ1703", "市生态环境保护综合行政执法支队"),
        ],
    },
    UnitSeed {
        code: "SZ18",
        name: "市市场监督管理局",
        children: &[
            ("SZ1801", "市检验检测中心"),
            ("SZ1802", "市市场监督管理局娄星分局"),
        ],
    },
    UnitSeed {
        code: "SZ19",
        name: "市应急管理局",
        children: &[
            ("SZ1901", "市应急救援指挥中心"),
            ("SZ1902", "市应急管理综合行政执法支队"),
        ],
    },
    UnitSeed {
        code: "SZ20",
        name: "市审计局",
        children: &[],
    },
    UnitSeed {
        code: "SZ21",
        name: "市统计局",
        children: &[("SZ2101", "市统计局普查中心")],
    },
    UnitSeed {
        code: "SZ22",
        name: "市民政局",
        children: &[("SZ2201", "市社会福利院"), ("SZ2202", "市救助管理站")],
    },
    UnitSeed {
        code: "SZ23",
        name: "市司法局",
        children: &[("SZ2301", "市公证处"), ("SZ2302", "市法律援助中心")],
    },
    UnitSeed {
        code: "SZ24",
        name: "市退役军人事务局",
        children: &[("SZ2401", "市退役军人服务中心"), ("SZ2402", "市军供站")],
    },
    UnitSeed {
        code: "SZ25",
        name: "市医疗保障局",
        children: &[("SZ2501", "市医疗保障事务中心")],
    },
    UnitSeed {
        code: "SZ26",
        name: "市城市管理和综合执法局",
        children: &[
            ("SZ2601", "市环境卫生事务中心"),
            ("SZ2602", "市园林绿化事务中心"),
            ("SZ2603", "市城市管理综合执法支队"),
        ],
    },
    UnitSeed {
        code: "SZ27",
        name: "市政务服务中心",
        children: &[],
    },
    UnitSeed {
        code: "SZ28",
        name: "市广播电视大学",
        children: &[],
    },
    UnitSeed {
        code: "SZ29",
        name: "市中心医院",
        children: &[],
    },
    UnitSeed {
        code: "SZ30",
        name: "娄底职业技术学院",
        children: &[
            ("SZ3001", "娄底职业技术学院医学院"),
            ("SZ3002", "娄底职业技术学院机电工程学院"),
        ],
    },
];

/// Loudi region codes for ID numbers: (first six digits, county name).
pub const REGION_CODES: &[(&str, &str)] = &[
    ("431302", "娄星区"),
    ("431381", "冷水江市"),
    ("431382", "涟源市"),
    ("431321", "双峰县"),
    ("431322", "新化县"),
    ("431300", "娄底市"),
];

/// A catalogue course for the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourseSeed {
    /// Course title, unique in the table.
    pub title: &'static str,
    pub category: Category,
    pub kind: CourseKind,
    /// Whole minutes of lecture time.
    pub minutes: u16,
    /// Extra seconds of lecture time (0..60).
    pub seconds: u8,
    /// Designated credits (特殊课程指定学分) in tenths of a credit, if any.
    pub designated_tenths: Option<i64>,
    /// The provincial feed (HN) or a local 特色 course (LD).
    pub source: Source,
    /// Whether the course has an exam.
    pub exam: bool,
}

impl CourseSeed {
    /// Lecture time in seconds.
    pub fn duration_s(&self) -> i64 {
        i64::from(self.minutes) * 60 + i64::from(self.seconds)
    }
}

const HN: Source = Source::Provincial;
const LD: Source = Source::Local;
const EXAM: bool = true;
const NO_EXAM: bool = false;

/// One table row: title, category, kind, minutes, seconds, designated tenths, source, exam.
#[allow(clippy::too_many_arguments)] // a table row; the columns are named in the line above
const fn c(
    title: &'static str,
    category: Category,
    kind: CourseKind,
    minutes: u16,
    seconds: u8,
    designated_tenths: Option<i64>,
    source: Source,
    exam: bool,
) -> CourseSeed {
    CourseSeed {
        title,
        category,
        kind,
        minutes,
        seconds,
        designated_tenths,
        source,
        exam,
    }
}

/// Demo course catalogue across all ten categories, one course a line.
#[rustfmt::skip]
pub const COURSES: &[CourseSeed] = &[
    c("深入学习贯彻习近平新时代中国特色社会主义思想", Theory, Required, 90, 0, None, HN, EXAM),
    c("马克思主义基本原理与当代中国", Theory, Elective, 67, 30, None, HN, NO_EXAM),
    c("辩证唯物主义和历史唯物主义的方法论意义", Theory, Elective, 45, 0, None, HN, NO_EXAM),
    c("中国式现代化的理论内涵与实践要求", Theory, Required, 120, 0, Some(30), HN, EXAM),
    c("《习近平经济思想学习纲要》导读", Theory, Required, 75, 0, None, HN, NO_EXAM),
    c("习近平法治思想的核心要义", Theory, Required, 60, 0, None, HN, NO_EXAM),
    c("习近平生态文明思想与美丽中国建设", Theory, Elective, 52, 15, None, HN, NO_EXAM),
    c("《毛泽东选集》经典篇目导读", Theory, Elective, 38, 40, None, HN, NO_EXAM),
    c("马克思主义中国化时代化的历史进程", Theory, Elective, 100, 0, None, HN, NO_EXAM),
    c("党的二十大报告精神辅导", Theory, Required, 135, 0, None, HN, EXAM),
    c("《资本论》与社会主义市场经济", Theory, Elective, 80, 20, None, HN, NO_EXAM),
    c("曾国藩经世致用思想的当代启示", Theory, Elective, 42, 0, None, LD, NO_EXAM),
    c("《中华人民共和国行政处罚法》解读", Policy, Required, 67, 0, None, HN, EXAM),
    c("《中华人民共和国公务员法》要点解析", Policy, Required, 55, 0, None, HN, NO_EXAM),
    c("《中国共产党纪律处分条例》学习辅导", Policy, Required, 88, 0, None, HN, EXAM),
    c("《中华人民共和国民法典》与领导干部", Policy, Elective, 150, 0, None, HN, NO_EXAM),
    c("《优化营商环境条例》解读", Policy, Elective, 40, 30, None, HN, NO_EXAM),
    c("《中华人民共和国行政复议法》修订要点", Policy, Elective, 33, 20, None, HN, NO_EXAM),
    c("《中华人民共和国安全生产法》重点条款解读", Policy, Required, 50, 0, None, HN, NO_EXAM),
    c("《中华人民共和国保守国家秘密法》学习辅导", Policy, Required, 30, 0, Some(15), HN, EXAM),
    c("《中华人民共和国数据安全法》与政务数据治理", Policy, Elective, 46, 0, None, HN, NO_EXAM),
    c("娄底市地方性法规的立法实践", Policy, Elective, 35, 0, None, LD, NO_EXAM),
    c("《湖南省实施〈中华人民共和国土地管理法〉办法》解读", Policy, Elective, 27, 45, None, HN, NO_EXAM),
    c("《中华人民共和国监察法》及实施条例解读", Policy, Required, 72, 0, None, HN, EXAM),
    c("娄底市行政执法“三项制度”落实情况解析", Policy, Elective, 26, 30, None, LD, NO_EXAM),
    c("优化营商环境的实践与思考", Economy, Elective, 48, 0, None, HN, NO_EXAM),
    c("加快发展新质生产力", Economy, Required, 95, 0, None, HN, EXAM),
    c("娄底制造业高质量发展的路径选择", Economy, Elective, 64, 10, None, LD, NO_EXAM),
    c("涟钢转型升级的探索与实践", Economy, Elective, 58, 0, None, LD, NO_EXAM),
    c("冷水江锑都：资源型城市转型之路", Economy, Elective, 44, 30, None, LD, NO_EXAM),
    c("娄底钢铁新材料产业集群发展报告", Economy, Required, 70, 0, None, LD, NO_EXAM),
    c("乡村振兴战略与县域经济发展", Economy, Required, 105, 0, None, HN, NO_EXAM),
    c("数字经济与政府数字化转型", Economy, Elective, 82, 0, None, HN, NO_EXAM),
    c("地方政府债务风险防范与化解", Economy, Required, 62, 0, None, HN, EXAM),
    c("湖南自贸试验区建设与开放型经济", Economy, Elective, 39, 0, None, HN, NO_EXAM),
    c("双峰农机产业集群的发展经验", Economy, Elective, 31, 30, None, LD, NO_EXAM),
    c("碳达峰碳中和背景下的产业结构调整", Economy, Elective, 125, 0, None, HN, NO_EXAM),
    c("坚定拥护“两个确立”，坚决做到“两个维护”", Politics, Required, 60, 0, None, HN, EXAM),
    c("全过程人民民主的理论与实践", Politics, Required, 78, 0, None, HN, NO_EXAM),
    c("人民代表大会制度的历史发展", Politics, Elective, 54, 0, None, HN, NO_EXAM),
    c("新时代爱国统一战线工作", Politics, Elective, 43, 0, None, HN, NO_EXAM),
    c("总体国家安全观学习纲要解读", Politics, Required, 85, 0, None, HN, EXAM),
    c("基层协商民主的娄底实践", Politics, Elective, 36, 0, None, LD, NO_EXAM),
    c("意识形态工作责任制落实要点", Politics, Required, 47, 0, None, HN, NO_EXAM),
    c("党政机关公文处理工作规范", Politics, Elective, 22, 29, None, HN, NO_EXAM),
    c("政务公开与网络舆情应对", Politics, Elective, 22, 30, None, HN, NO_EXAM),
    c("领导干部政治能力的提升路径", Politics, Required, 66, 40, None, HN, NO_EXAM),
    c("民族宗教工作政策解读", Politics, Elective, 29, 0, None, HN, NO_EXAM),
    c("法治政府建设实施纲要解读", Politics, Required, 57, 0, None, HN, NO_EXAM),
    c("紫鹊界梯田与农耕文化传承", Culture, Elective, 49, 0, None, LD, NO_EXAM),
    c("湘军文化与湖湘精神", Culture, Elective, 76, 0, None, LD, NO_EXAM),
    c("梅山文化的历史渊源与保护传承", Culture, Elective, 63, 0, None, LD, NO_EXAM),
    c("曾国藩家风家训的当代价值", Culture, Required, 55, 30, Some(20), LD, NO_EXAM),
    c("新化山歌：非物质文化遗产的活态传承", Culture, Elective, 26, 0, None, LD, NO_EXAM),
    c("社会主义核心价值观融入法治建设", Culture, Required, 45, 0, None, HN, NO_EXAM),
    c("中华优秀传统文化的创造性转化与创新性发展", Culture, Elective, 110, 0, None, HN, NO_EXAM),
    c("红色资源的保护利用与红色基因传承", Culture, Required, 68, 0, None, HN, NO_EXAM),
    c("娄底公共文化服务体系建设", Culture, Elective, 37, 15, None, LD, NO_EXAM),
    c("文化自信与文化强国建设", Culture, Required, 92, 0, None, HN, NO_EXAM),
    c("蔡和森与新民学会：双峰红色记忆", Culture, Elective, 41, 0, None, LD, NO_EXAM),
    c("网络文明建设与网络文化治理", Culture, Elective, 33, 0, None, HN, NO_EXAM),
    c("新时代“枫桥经验”与基层社会治理", Society, Required, 65, 0, None, HN, EXAM),
    c("健全多层次社会保障体系", Society, Elective, 145, 0, None, HN, NO_EXAM),
    c("教育强国建设的实践路径", Society, Elective, 88, 30, None, HN, NO_EXAM),
    c("健康中国战略与公共卫生体系建设", Society, Elective, 72, 0, None, HN, NO_EXAM),
    c("突发事件应急处置与危机管理", Society, Required, 98, 0, None, HN, EXAM),
    c("《信访工作条例》解读", Society, Required, 40, 0, None, HN, NO_EXAM),
    c("娄底城市更新与老旧小区改造实践", Society, Elective, 35, 40, None, LD, NO_EXAM),
    c("就业优先战略与稳就业政策", Society, Elective, 44, 0, None, HN, NO_EXAM),
    c("娄底12345政务服务便民热线建设", Society, Elective, 24, 0, None, LD, NO_EXAM),
    c("娄底煤矿与非煤矿山安全生产风险防控", Society, Required, 60, 0, None, LD, NO_EXAM),
    c("养老服务体系建设与人口老龄化应对", Society, Elective, 115, 0, None, HN, NO_EXAM),
    c("涟源市基层网格化治理经验", Society, Elective, 30, 30, None, LD, NO_EXAM),
    c("《中国共产党章程》学习辅导", Party, Required, 80, 0, None, HN, EXAM),
    c("全面从严治党永远在路上", Party, Required, 100, 0, None, HN, NO_EXAM),
    c("中央八项规定精神学习辅导", Party, Required, 45, 0, None, HN, EXAM),
    c("百年党史中的重大事件与历史经验", Party, Required, 180, 0, Some(40), HN, NO_EXAM),
    c("基层党组织标准化规范化建设", Party, Required, 52, 0, None, HN, NO_EXAM),
    c("《中国共产党支部工作条例（试行）》解读", Party, Elective, 38, 0, None, HN, NO_EXAM),
    c("以案促改：典型违纪违法案例警示教育", Party, Required, 75, 0, None, HN, EXAM),
    c("发展党员工作流程与规范", Party, Elective, 28, 0, None, HN, NO_EXAM),
    c("娄底市基层党建示范点创建经验", Party, Elective, 36, 30, None, LD, NO_EXAM),
    c("《中国共产党廉洁自律准则》学习辅导", Party, Required, 46, 0, None, HN, NO_EXAM),
    c("新时代党的组织路线", Party, Elective, 70, 0, None, HN, NO_EXAM),
    c("锡矿山工人运动与红色矿山精神", Party, Elective, 42, 0, None, LD, NO_EXAM),
    c("湘中明珠：娄底市情概览", Local, Required, 55, 0, Some(30), LD, EXAM),
    c("娄底市“十五五”规划建议解读", Local, Required, 62, 0, None, LD, NO_EXAM),
    c("湖南省情概览", Local, Required, 155, 0, None, HN, NO_EXAM),
    c("湖南“三高四新”美好蓝图的使命任务", Local, Required, 85, 0, None, HN, EXAM),
    c("娄底历史沿革与人文地理", Local, Elective, 41, 20, None, LD, NO_EXAM),
    c("新化紫鹊界与梅山龙宫旅游资源开发", Local, Elective, 34, 0, None, LD, NO_EXAM),
    c("双峰荷叶镇曾国藩故居与湘军文化旅游", Local, Elective, 27, 0, None, LD, NO_EXAM),
    c("涟源湄江国家地质公园", Local, Elective, 23, 0, None, LD, NO_EXAM),
    c("长株潭都市圈建设与湖南区域协调发展", Local, Elective, 66, 0, None, HN, NO_EXAM),
    c("娄底红色文化资源概览", Local, Elective, 47, 0, None, LD, NO_EXAM),
    c("湘江保护与治理“一号重点工程”", Local, Elective, 58, 30, None, HN, NO_EXAM),
    c("中非经贸博览会与湖南开放发展", Local, Elective, 39, 40, None, HN, NO_EXAM),
    c("领导干部的时间管理", Growth, Elective, 35, 0, None, HN, NO_EXAM),
    c("调查研究的方法与艺术", Growth, Required, 64, 0, None, HN, NO_EXAM),
    c("领导干部的沟通与表达能力", Growth, Elective, 49, 30, None, HN, NO_EXAM),
    c("党政机关公文写作实务", Growth, Elective, 94, 0, None, HN, NO_EXAM),
    c("年轻干部的成长与担当", Growth, Required, 58, 0, Some(20), HN, NO_EXAM),
    c("心理健康与压力调适", Growth, Elective, 42, 0, None, HN, NO_EXAM),
    c("数字素养与办公软件高效应用", Growth, Elective, 130, 0, None, HN, NO_EXAM),
    c("领导干部的媒介素养", Growth, Elective, 31, 0, None, HN, NO_EXAM),
    c("基层干部群众工作方法", Growth, Required, 67, 0, None, HN, NO_EXAM),
    c("曾国藩修身之道与干部品格养成", Growth, Elective, 54, 0, None, LD, NO_EXAM),
    c("担当作为与容错纠错机制", Growth, Required, 44, 0, None, HN, NO_EXAM),
    c("会议组织与统筹协调能力", Growth, Elective, 21, 0, None, HN, NO_EXAM),
    c("人工智能发展与社会治理", Topics, Elective, 170, 20, None, HN, NO_EXAM),
    c("粮食安全与耕地保护", Topics, Required, 50, 0, None, HN, NO_EXAM),
    c("防范化解重大风险", Topics, Required, 90, 0, None, HN, EXAM),
    c("生态环境保护督察反馈问题整改", Topics, Elective, 46, 30, None, HN, NO_EXAM),
    c("国际形势与中国外交", Topics, Elective, 140, 0, None, HN, NO_EXAM),
    c("防范电信网络诈骗", Topics, Elective, 20, 0, None, HN, NO_EXAM),
    c("巩固拓展脱贫攻坚成果的新化实践", Topics, Elective, 63, 0, None, LD, NO_EXAM),
    c("娄底湘中综合交通枢纽建设", Topics, Elective, 39, 0, None, LD, NO_EXAM),
    c("娄底双拥模范城创建工作经验", Topics, Elective, 48, 0, None, LD, NO_EXAM),
    c("保密教育专题", Topics, Required, 25, 0, Some(10), HN, EXAM),
    c("资江流域生态保护的娄底行动", Topics, Elective, 57, 0, None, LD, NO_EXAM),
    c("全国两会精神专题解读", Topics, Required, 160, 0, None, HN, NO_EXAM),
];

/// Common Chinese surnames, frequent ones first (one compound surname, 欧阳), including some with special
/// readings (曾 zēng, 单 shàn, 解 xiè, 仇 qiú; 曾 is especially common in Loudi).
pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
    "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴",
    "莫", "孔", "向", "汤", "易", "颜", "伍", "聂", "文", "欧阳", "阳", "单", "解", "仇",
];

/// Characters commonly used in given names, for one- and two-character given names.
pub const GIVEN_CHARS: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "红", "玉", "兰", "萍", "建", "国", "文", "辉",
    "林", "春", "梅", "海", "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙",
    "鹏", "飞", "鑫", "颖", "琳", "晶", "雪", "慧", "婷", "倩", "洁", "佳", "欣", "悦", "晨", "阳",
    "博", "昊", "宏", "志", "新", "丹", "亮", "成", "峰", "毅", "彬", "武", "燕", "莉", "蓉", "芬",
    "琴", "云", "凤", "荣", "珍", "兵", "松", "柏", "德", "顺", "福", "贵", "祥", "瑞", "安", "康",
    "泉", "江", "湘", "岳", "衡", "楚", "清", "源", "立", "正", "方", "达", "坤", "利", "胜", "树",
    "根", "金", "银", "铭", "锋", "诚", "信", "仁", "义", "礼", "智", "忠", "孝", "和", "喜", "乐",
    "庆", "光", "耀", "怡", "思", "雨", "婉", "馨", "月", "璐", "嘉", "子", "涵", "轩", "睿", "哲",
    "逸", "航", "泽", "彦", "然", "可", "一", "梓", "诗", "语", "宸", "铮", "晓", "卫", "东", "民",
    "振", "兴", "家", "秋", "冬", "兆", "永", "长",
];

/// Posts/ranks (职务/职级) with a rough seniority, 1 = most junior.
pub const POSTS: &[(&str, u8)] = &[
    ("办事员", 1),
    ("科员", 1),
    ("四级主任科员", 2),
    ("三级主任科员", 2),
    ("副科长", 3),
    ("二级主任科员", 3),
    ("一级主任科员", 3),
    ("副镇长", 3),
    ("科长", 4),
    ("镇长", 4),
    ("四级调研员", 4),
    ("三级调研员", 5),
    ("副处长", 5),
    ("二级调研员", 5),
    ("处长", 6),
    ("一级调研员", 6),
    ("副局长", 6),
    ("局长", 7),
    ("二级巡视员", 7),
];

/// Notice texts the office might send: (title, body).
pub const NOTICES: &[(&str, &str)] = &[
    (
        "第一季度学习进度提醒",
        "各位学员：第一季度已结束，请登录娄底干部网络学院查看本人学分完成情况。全年须完成不少于40学分，其中必修课不少于24学分，请合理安排学习时间，按进度完成学习任务。",
    ),
    (
        "第二季度学习进度通报",
        "各单位：第二季度干部在线学习情况已在单位工作台发布，请各单位组织人事部门督促学分进度滞后的学员抓紧学习，确保半年完成全年任务的一半以上。",
    ),
    (
        "第三季度学习进度提醒",
        "各位学员：截至第三季度末，尚未达到年度学分要求的学员，请尽快补齐差额学分。必修课学分不足24学分的，请优先学习必修课程。",
    ),
    (
        "新课程上线通知",
        "市网络学院近期新上线“湘中明珠：娄底市情概览”“紫鹊界梯田与农耕文化传承”“涟钢转型升级的探索与实践”等一批本地特色课程，欢迎广大学员选学。",
    ),
    (
        "年终学分考核提醒",
        "各位学员：本年度在线学习考核将于12月31日24时截止，届时系统统计年度学分。未达标学员将列入通报名单，请务必在截止前完成学习任务。",
    ),
    (
        "关于严禁请人代学的通知",
        "各单位、各位学员：请人代学、刷课等行为严重违反学习纪律。系统将对异常学习行为进行监测，经查实的，撤销相关学分，取消当年评优资格。",
    ),
    (
        "年度优秀学员和先进组织评选通知",
        "市在线学习办将根据年度学分排名和学习纪律情况，评选优秀学员和在线学习先进组织，请各单位做好审核推荐工作。",
    ),
];
