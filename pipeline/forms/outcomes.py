"""The outcome rows of table 三 that both national formats share: （一）予以公开 to （五）不予处理."""

from .common import OutcomeGroup, single

SHARED_OUTCOMES = (
    single("disclosed", "（一）予以公开"),
    single("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    OutcomeGroup(
        "（三）不予公开",
        (
            ("refused_secret", "1.属于国家秘密"),
            ("refused_law", "2.其他法律行政法规禁止公开"),
            ("refused_safety", "3.危及“三安全一稳定”"),
            ("refused_third_party", "4.保护第三方合法权益"),
            ("refused_internal", "5.属于三类内部事务信息"),
            ("refused_process", "6.属于四类过程性信息"),
            ("refused_case_file", "7.属于行政执法案卷"),
            ("refused_inquiry", "8.属于行政查询事项"),
        ),
    ),
    OutcomeGroup(
        "（四）无法提供",
        (
            ("unable_not_held", "1.本机关不掌握相关政府信息"),
            ("unable_need_create", "2.没有现成信息需要另行制作"),
            ("unable_unclear", "3.补正后申请内容仍不明确"),
        ),
    ),
    OutcomeGroup(
        "（五）不予处理",
        (
            ("unhandled_petition", "1.信访举报投诉类申请"),
            ("unhandled_repeat", "2.重复申请"),
            ("unhandled_publication", "3.要求提供公开出版物"),
            ("unhandled_massive", "4.无正当理由大量反复申请"),
            ("unhandled_confirm", "5.要求行政机关确认或重新出具已获取信息"),
        ),
    ),
)
