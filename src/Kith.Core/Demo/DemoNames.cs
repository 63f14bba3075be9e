namespace Kith.Core.Demo;

/// <summary>
/// The word lists demo data is drawn from. Chinese characters carry their pinyin so that generated email addresses
/// and company domains read like the ones Chinese customers and companies really use.
/// </summary>
internal static class DemoNames
{
    public static readonly (string Han, string Pinyin)[] Surnames =
    [
        ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
        ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
        ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"), ("郑", "zheng"),
        ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"),
    ];

    public static readonly (string Han, string Pinyin)[] GivenNames =
    [
        ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"),
        ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"),
        ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"),
        ("小", "xiao"), ("华", "hua"), ("建", "jian"), ("文", "wen"), ("红", "hong"), ("晓", "xiao"), ("婷", "ting"),
        ("欣", "xin"), ("宇", "yu"), ("浩", "hao"), ("佳", "jia"), ("怡", "yi"), ("雪", "xue"), ("鹏", "peng"),
        ("辉", "hui"), ("琳", "lin"), ("梅", "mei"), ("龙", "long"), ("晨", "chen"),
    ];

    public static readonly string[] LatinFirst =
    [
        "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "Daniel",
        "Sarah", "Thomas", "Emily", "Lucas", "Sofia", "Noah", "Emma", "Oliver", "Mia", "Hiro", "Yuki", "Ana", "Mateo",
        "Chloe", "Liam", "Grace", "Ethan", "Hannah", "Leon", "Clara", "Omar", "Priya", "Arjun", "Wei", "Mei",
    ];

    public static readonly string[] LatinLast =
    [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Taylor", "Anderson",
        "Thomas", "Moore", "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright", "Lopez", "Hill", "Scott",
        "Green", "Adams", "Baker", "Nelson", "Carter", "Chen", "Wang", "Tanaka", "Silva", "Muller", "Rossi", "Kim",
        "Nguyen", "Schmidt", "Dubois", "Novak", "Patel",
    ];

    public static readonly string[] ChinaCities = ["Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Chengdu", "Guangzhou", "Wuhan", "Nanjing"];

    public static readonly string[] WorldCities =
    [
        "San Francisco", "New York", "Seattle", "Austin", "Boston", "London", "Berlin", "Singapore", "Sydney", "Toronto",
    ];

    /// <summary>The Chinese prefix of a company registered in that city, e.g. 上海明华科技有限公司.</summary>
    public static readonly Dictionary<string, string> ChinaCityHan = new()
    {
        ["Shanghai"] = "上海", ["Beijing"] = "北京", ["Shenzhen"] = "深圳", ["Hangzhou"] = "杭州",
        ["Chengdu"] = "成都", ["Guangzhou"] = "广州", ["Wuhan"] = "武汉", ["Nanjing"] = "南京",
    };

    public static readonly (string Han, string Pinyin)[] ChineseBrands =
    [
        ("明华", "minghua"), ("华信", "huaxin"), ("东方", "dongfang"), ("金桥", "jinqiao"), ("长城", "changcheng"),
        ("天成", "tiancheng"), ("博远", "boyuan"), ("恒通", "hengtong"), ("盛世", "shengshi"), ("新思", "xinsi"),
        ("瑞丰", "ruifeng"), ("嘉禾", "jiahe"), ("宏图", "hongtu"), ("鑫源", "xinyuan"), ("海纳", "haina"),
        ("远航", "yuanhang"), ("中科", "zhongke"), ("云帆", "yunfan"), ("锦程", "jincheng"), ("星辰", "xingchen"),
    ];

    public static readonly string[] LatinBrands =
    [
        "Northwind", "Blue Harbor", "Summit", "Redwood", "Silverline", "Brightpath", "Ironbridge", "Greenfield",
        "Lakeside", "Riverstone", "Pinecrest", "Harborview", "Starlight", "Oakridge", "Crescent", "Evergreen",
        "Granite", "Bluebird", "Westgate", "Keystone",
    ];

    /// <summary>An industry with the word a Chinese company name uses for it and the word a Latin name uses.</summary>
    public static readonly (string Industry, string Han, string HanDomain, string Latin)[] Industries =
    [
        ("Software", "科技", "tech", "Software"),
        ("Wholesale", "贸易", "trade", "Trading"),
        ("Logistics", "物流", "logistics", "Logistics"),
        ("Food & Beverage", "食品", "food", "Foods"),
        ("Healthcare", "医疗", "med", "Health"),
        ("Education", "教育", "edu", "Learning"),
        ("Manufacturing", "制造", "mfg", "Manufacturing"),
        ("Retail", "零售", "retail", "Retail"),
    ];

    public static readonly string[] LatinSuffixes = ["Inc.", "Ltd.", "LLC", "Co.", "Group", "GmbH"];

    public static readonly string[] ChinaMailDomains = ["qq.com", "163.com", "126.com", "sina.com", "gmail.com"];
    public static readonly string[] WorldMailDomains = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me"];

    /// <summary>Mobile prefixes of the three Chinese carriers; with eight more digits each is a valid number.</summary>
    public static readonly int[] ChinaMobilePrefixes =
        [130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159, 177, 180, 181, 182, 183, 185, 186, 187, 188, 189];

    public static readonly int[] UsAreaCodes = [202, 206, 212, 213, 305, 310, 312, 404, 408, 415, 503, 512, 617, 646, 650, 702, 718, 818, 925, 972];

    public static readonly (string Name, double Weight)[] Sources =
        [("Website", 30), ("Referral", 18), ("WeChat", 14), ("Trade show", 10), ("Advertising", 12), ("Cold call", 6), ("Partner", 10)];

    /// <summary>Customer tags and the share of customers that carry each.</summary>
    public static readonly (string Tag, double Share)[] CustomerTags =
        [("newsletter", 0.30), ("retail", 0.15), ("wholesale", 0.10), ("vip", 0.08), ("referral", 0.07), ("event-2026", 0.05), ("重点客户", 0.04)];

    public static readonly (string Tag, double Share)[] CompanyTags =
        [("key-account", 0.15), ("partner", 0.12), ("supplier", 0.10)];
}
