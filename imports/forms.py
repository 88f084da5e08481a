from django import forms
from django.utils.translation import gettext_lazy as _

from .columns import COLUMNS
from .models import ImportKind
from .sources import DELIMITERS, ENCODINGS


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("A CSV file saved from a spreadsheet, or an address book (.vcf) of stakeholders."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.vcf,.vcard,text/csv,text/vcard"}),
    )


class ReadingForm(forms.Form):
    """How the file is read; changing either reads the headings again."""

    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS)
    delimiter = forms.ChoiceField(label=_("Separator"), choices=DELIMITERS)


class MappingForm(forms.Form):
    """One choice per field of the kind being imported: which of the file's columns fills it."""

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [("", _("— not in this file —"))] + [(heading, heading) for heading in job.headers]
        for column in COLUMNS[job.kind]:
            self.fields[column.name] = forms.ChoiceField(
                label=column.label,
                choices=choices,
                required=column.required,
                help_text=column.help,
                initial=job.mapping.get(column.name, ""),
            )

    @property
    def mapping(self) -> dict[str, str]:
        return {name: heading for name, heading in self.cleaned_data.items() if heading}


class CommitForm(forms.Form):
    skip_duplicates = forms.BooleanField(label=_("Leave out the likely duplicates"), required=False)
