from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovTextArea, GovTextInput
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.buyers.services import EXCLUSION_REASON_MAX, OTHER_OUTCOMES, OUTCOME_NOTE_MAX, PROJECT_NAME_MAX
from app.forms import BaseForm, choices, submit

NEW_PROJECT = "new"


NEW_PROJECT_ONLY = "Only if you chose ‘A new project’."
PROJECT_NAME_EXAMPLE = "For example, the service you need and your team: ‘Case management for the housing team’."


class SaveSearchForm(BaseForm):
    """Save the search into an existing project (replacing its search) or a new one."""

    project = RadioField(
        "Where do you want to save this search?",
        choices=choices([(NEW_PROJECT, "A new project")]),
        default=NEW_PROJECT,
        validators=[InputRequired("Choose a project, or a new project")],
        widget=GovRadioInput(),
    )
    name = StringField(
        "Name of the new project",
        description=f"{NEW_PROJECT_ONLY} {PROJECT_NAME_EXAMPLE}",
        validators=[Optional(), Length(max=PROJECT_NAME_MAX, message=f"Project name must be {PROJECT_NAME_MAX} characters or fewer")],
        widget=GovTextInput(),
        render_kw={"spellcheck": "true"},
    )
    submit = submit("Save search")

    def without_projects_to_choose(self) -> None:
        """No open project to choose from: the search goes into a new one, so its name is simply asked for."""
        self.name.description = PROJECT_NAME_EXAMPLE


class EndSearchForm(BaseForm):
    confirm = BooleanField(
        "I understand that I cannot change my search after I end it",
        validators=[InputRequired("Confirm that you understand you cannot change your search after you end it")],
        widget=GovCheckboxInput(),
    )
    submit = submit("End search and make the shortlist")


class ExcludeForm(BaseForm):
    reason = TextAreaField(
        "Why are you excluding this service from evaluation?",
        description="Your reason is kept with the shortlist, shown in its downloads and recorded in the audit log.",
        validators=[
            InputRequired("Enter why you are excluding this service from evaluation"),
            Length(max=EXCLUSION_REASON_MAX, message=f"Reason must be {EXCLUSION_REASON_MAX:,} characters or fewer"),
        ],
        widget=GovTextArea(),
    )
    submit = submit("Exclude service")


class OutcomeForm(BaseForm):
    result = RadioField(
        "What happened?",
        choices=choices(OTHER_OUTCOMES.items()),
        validators=[InputRequired("Choose what happened: cancelled or none suitable")],
        widget=GovRadioInput(),
    )
    note = TextAreaField(
        "Note (optional)",
        description="For example, why the need went away, or what none of the services offered.",
        validators=[Optional(), Length(max=OUTCOME_NOTE_MAX, message=f"Note must be {OUTCOME_NOTE_MAX:,} characters or fewer")],
        widget=GovTextArea(),
    )
    submit = submit("Record outcome")
