//! Usernames for issued accounts (Art. 8): the name in pinyin without tones, surnames read as
//! surnames (单 shan, 曾 zeng, 解 xie …), ü written v, and a number added when taken.

use std::collections::HashSet;

use pinyin::ToPinyin;

/// Two-character surnames, read as a whole.
const COMPOUND: &[(&str, &str)] = &[
    ("尉迟", "yuchi"),
    ("万俟", "moqi"),
    ("长孙", "zhangsun"),
    ("欧阳", "ouyang"),
    ("司马", "sima"),
    ("上官", "shangguan"),
    ("诸葛", "zhuge"),
    ("令狐", "linghu"),
    ("皇甫", "huangfu"),
    ("东方", "dongfang"),
    ("夏侯", "xiahou"),
    ("澹台", "tantai"),
    ("单于", "chanyu"),
    ("宇文", "yuwen"),
    ("慕容", "murong"),
    ("公孙", "gongsun"),
];

/// Single surnames whose surname reading differs from the common one.
const SURNAME: &[(char, &str)] = &[
    ('单', "shan"),
    ('曾', "zeng"),
    ('解', "xie"),
    ('仇', "qiu"),
    ('区', "ou"),
    ('朴', "piao"),
    ('查', "zha"),
    ('盖', "ge"),
    ('乐', "yue"),
    ('缪', "miao"),
    ('翟', "zhai"),
    ('覃', "qin"),
    ('冼', "xian"),
    ('秘', "bi"),
    ('种', "chong"),
    ('重', "chong"),
    ('折', "she"),
    ('召', "shao"),
    ('员', "yun"),
    ('尉', "yu"),
    ('句', "gou"),
    ('华', "hua"),
    ('任', "ren"),
    ('沈', "shen"),
    ('柏', "bai"),
    ('燕', "yan"),
    ('繁', "po"),
    ('相', "xiang"),
    ('藏', "zang"),
    ('宿', "su"),
    ('长', "chang"),
    ('黑', "he"),
    ('过', "guo"),
];

/// Whether `u` may name a new account: 3–32 characters of ASCII letters, digits, '_', '-', '.',
/// starting with a letter; the refusal in Chinese otherwise. (Usernames already stored, such as
/// imported ones, are not rechecked.)
pub fn check(u: &str) -> Result<(), &'static str> {
    let ok_len = (3..=32).contains(&u.len());
    let ok_start = u.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok_len && ok_start && ok_chars {
        Ok(())
    } else {
        Err("应为 3–32 位字母、数字或 _ - .，以字母开头")
    }
}

/// The longest username made (before a collision number).
const MAX_LEN: usize = 24;

/// The pinyin of a real name: surname reading first, then each character's common reading.
/// Latin letters and digits are kept (lowercased); anything else without a reading is dropped.
pub fn base(real_name: &str) -> String {
    let name = real_name.trim();
    let mut out = String::new();
    let rest = if let Some((surname, reading)) = COMPOUND.iter().find(|(s, _)| name.starts_with(s))
    {
        out.push_str(reading);
        &name[surname.len()..]
    } else if let Some((c, reading)) = name
        .chars()
        .next()
        .and_then(|c| SURNAME.iter().find(|(s, _)| *s == c))
    {
        out.push_str(reading);
        &name[c.len_utf8()..]
    } else {
        name
    };
    for (c, py) in rest.chars().zip(rest.to_pinyin()) {
        match py {
            Some(p) => out.push_str(p.plain()),
            None if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            None => {}
        }
    }
    let mut s: String = out.replace('ü', "v").chars().take(MAX_LEN).collect();
    if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s.insert(0, 'u');
    }
    s
}

/// `base`, or `base2`, `base3` … : the first one not in `taken`, which it is then added to.
pub fn unique(real_name: &str, taken: &mut HashSet<String>) -> String {
    let base = base(real_name);
    let mut candidate = base.clone();
    let mut n = 1;
    while taken.contains(&candidate) {
        n += 1;
        candidate = format!("{base}{n}");
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_pinyin_without_tones() {
        for (name, want) in [
            ("张三", "zhangsan"),
            ("王小明", "wangxiaoming"),
            ("李华", "lihua"),
            (" 刘洋 ", "liuyang"),
        ] {
            assert_eq!(base(name), want, "{name}");
        }
    }

    #[test]
    fn surnames_are_read_as_surnames() {
        for (name, want) in [
            ("单雄", "shanxiong"),
            ("曾国藩", "zengguofan"),
            ("解缙", "xiejin"),
            ("仇英", "qiuying"),
            ("区志", "ouzhi"),
            ("朴正", "piaozheng"),
            ("查良", "zhaliang"),
            ("盖军", "gejun"),
            ("乐平", "yueping"),
            ("尉迟恭", "yuchigong"),
            ("欧阳修", "ouyangxiu"),
        ] {
            assert_eq!(base(name), want, "{name}");
        }
    }

    #[test]
    fn u_umlaut_is_written_v() {
        assert_eq!(base("吕强"), "lvqiang");
        assert_eq!(base("女"), "nv");
    }

    #[test]
    fn collisions_get_a_number() {
        let mut taken: HashSet<String> = ["zhangsan".to_string()].into_iter().collect();
        assert_eq!(unique("张三", &mut taken), "zhangsan2");
        assert_eq!(unique("张三", &mut taken), "zhangsan3");
        assert_eq!(unique("李四", &mut taken), "lisi");
        assert_eq!(unique("李四", &mut taken), "lisi2");
    }

    #[test]
    fn names_without_readings_still_give_a_username() {
        assert_eq!(base("Anna"), "anna");
        assert_eq!(base("·"), "u");
        assert_eq!(base("1号"), "u1hao");
    }
}
