from django import forms
from django.utils.translation import gettext_lazy as _

from .columns import COLUMNS, mapped_headings
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
    """One choice per field of the kind being imported: which of the file's columns fills it; several may
    fill a list (an address book's second and third email addresses) or a name given in parts."""

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        headings = [(heading, heading) for heading in job.headers]
        for column in COLUMNS[job.kind]:
            initial = mapped_headings(job.mapping.get(column.name, ""))
            if column.joiner:
                self.fields[column.name] = forms.MultipleChoiceField(
                    label=column.label,
                    choices=headings,
                    required=column.required,
                    help_text=column.help,
                    initial=initial,
                    widget=forms.SelectMultiple(attrs={"size": min(len(headings), 4)}),
                )
            else:
                self.fields[column.name] = forms.ChoiceField(
                    label=column.label,
                    choices=[("", _("— not in this file —")), *headings],
                    required=column.required,
                    help_text=column.help,
                    initial=initial[0] if initial else "",
                )

    @property
    def mapping(self) -> dict:
        return {name: headings for name, headings in self.cleaned_data.items() if headings}


class CommitForm(forms.Form):
    skip_duplicates = forms.BooleanField(label=_("Leave out the likely duplicates"), required=False)
