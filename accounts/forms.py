from __future__ import annotations

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from accounts.selectors import units
from core.text import is_mobile_phone, normalise_number


class RegistrationForm(forms.Form):
    username = forms.CharField(
        label="用户名",
        max_length=150,
        help_text="字母、数字或汉字，可含 @ . + - _，不能有空格。",
        validators=[
            UnicodeUsernameValidator(message="用户名只能包含字母、数字、汉字和 @ . + - _，不能有空格等其他字符。")
        ],
    )
    full_name = forms.CharField(label="姓名", max_length=64)
    phone = forms.CharField(label="手机号码", max_length=20)
    unit = forms.ModelChoiceField(
        label="工作单位",
        queryset=units(),
        empty_label="请选择工作单位",
        error_messages={"invalid_choice": "请选择列表中的工作单位。"},
    )
    password = forms.CharField(label="密码", widget=forms.PasswordInput, min_length=8)
    password_confirm = forms.CharField(label="确认密码", widget=forms.PasswordInput)

    def clean_phone(self) -> str:
        value = normalise_number(self.cleaned_data["phone"])
        if not is_mobile_phone(value):
            raise forms.ValidationError("请输入 11 位手机号码（仅限数字 0-9）。")
        return value

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", "两次输入的密码不一致。")
        return data
